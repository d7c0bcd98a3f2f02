import GRDB

/// The schema, as an ordered list of migrations. Never edit a migration that has shipped: add a new one.
/// Each runs in its own transaction (GRDB's default).
enum Migrations {
    /// Identifiers in order; the position + 1 is the schema version reported to admins.
    static let identifiers = ["v1_accounts", "v2_account_data_registration_tokens", "v3_refresh_and_login_tokens",
                              "v4_media", "v5_e2ee_keys", "v6_key_backup", "v7_rooms",
                              "v8_reads", "v9_profiles", "v10_filters", "v11_receipts_presence",
                              "v12_device_lists_to_device", "v13_push_actions", "v14_server_keys",
                              "v15_federation", "v16_one_time_key_order", "v17_erased_users",
                              "v18_member_history", "v19_to_device_txn_order"]

    static func makeMigrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1_accounts") { db in
            try db.execute(sql: """
                CREATE TABLE users (
                    user_nid INTEGER PRIMARY KEY,
                    localpart TEXT NOT NULL UNIQUE,
                    password_hash TEXT,
                    is_admin INTEGER NOT NULL DEFAULT 0,
                    is_guest INTEGER NOT NULL DEFAULT 0,
                    deactivated INTEGER NOT NULL DEFAULT 0,
                    created_ts INTEGER NOT NULL
                );
                CREATE TABLE devices (
                    user_nid INTEGER NOT NULL REFERENCES users(user_nid) ON DELETE CASCADE,
                    device_id TEXT NOT NULL,
                    display_name TEXT,
                    last_seen_ts INTEGER,
                    last_seen_ip TEXT,
                    created_ts INTEGER NOT NULL,
                    PRIMARY KEY (user_nid, device_id)
                ) WITHOUT ROWID;
                CREATE TABLE access_tokens (
                    token_id INTEGER PRIMARY KEY,
                    token_hash BLOB NOT NULL UNIQUE,
                    user_nid INTEGER NOT NULL,
                    device_id TEXT NOT NULL,
                    created_ts INTEGER NOT NULL,
                    FOREIGN KEY (user_nid, device_id) REFERENCES devices(user_nid, device_id) ON DELETE CASCADE
                );
                CREATE INDEX access_tokens_by_device ON access_tokens(user_nid, device_id);
                """)
        }
        migrator.registerMigration("v2_account_data_registration_tokens") { db in
            try db.execute(sql: """
                CREATE TABLE account_data (
                    user_nid INTEGER NOT NULL REFERENCES users(user_nid) ON DELETE CASCADE,
                    room_id TEXT NOT NULL DEFAULT '',
                    type TEXT NOT NULL,
                    content BLOB NOT NULL,
                    stream_pos INTEGER NOT NULL,
                    PRIMARY KEY (user_nid, room_id, type)
                ) WITHOUT ROWID;
                CREATE INDEX account_data_by_stream ON account_data(stream_pos);
                CREATE TABLE registration_tokens (
                    token TEXT PRIMARY KEY NOT NULL,
                    uses_allowed INTEGER,
                    pending INTEGER NOT NULL DEFAULT 0,
                    completed INTEGER NOT NULL DEFAULT 0,
                    expiry_time INTEGER
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v3_refresh_and_login_tokens") { db in
            try db.execute(sql: """
                CREATE TABLE refresh_tokens (
                    refresh_id INTEGER PRIMARY KEY,
                    token_hash BLOB NOT NULL UNIQUE,
                    user_nid INTEGER NOT NULL,
                    device_id TEXT NOT NULL,
                    created_ts INTEGER NOT NULL,
                    -- Set when this token was exchanged; it stays usable until its successor is first used.
                    replaced_by INTEGER,
                    FOREIGN KEY (user_nid, device_id) REFERENCES devices(user_nid, device_id) ON DELETE CASCADE
                );
                CREATE INDEX refresh_tokens_by_successor ON refresh_tokens(replaced_by);
                ALTER TABLE access_tokens ADD COLUMN expires_ts INTEGER;
                ALTER TABLE access_tokens ADD COLUMN refresh_id INTEGER
                    REFERENCES refresh_tokens(refresh_id) ON DELETE CASCADE;
                CREATE INDEX access_tokens_by_refresh ON access_tokens(refresh_id);
                CREATE TABLE login_tokens (
                    token_hash BLOB PRIMARY KEY NOT NULL,
                    user_nid INTEGER NOT NULL REFERENCES users(user_nid) ON DELETE CASCADE,
                    expires_ts INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v4_media") { db in
            // One row per mxc:// URI, local or (later) cached remote. Content is a file named by its SHA-256
            // (shared by identical uploads); while `status` is 'pending' (created, not yet uploaded) the
            // content columns are NULL and `expires_ts` says when the unused ID lapses.
            // `legacy_visible`: uploaded while the unauthenticated /_matrix/media/v3 routes were not frozen.
            try db.execute(sql: """
                CREATE TABLE media (
                    server_name TEXT NOT NULL,
                    media_id TEXT NOT NULL,
                    owner_nid INTEGER REFERENCES users(user_nid) ON DELETE SET NULL,
                    status TEXT NOT NULL CHECK (status IN ('pending', 'complete')),
                    content_type TEXT,
                    upload_name TEXT,
                    sha256 TEXT,
                    size INTEGER,
                    created_ts INTEGER NOT NULL,
                    uploaded_ts INTEGER,
                    expires_ts INTEGER,
                    legacy_visible INTEGER NOT NULL DEFAULT 1,
                    PRIMARY KEY (server_name, media_id)
                ) WITHOUT ROWID;
                CREATE INDEX media_by_sha256 ON media(sha256);
                CREATE INDEX media_by_owner ON media(owner_nid, status);
                CREATE TABLE media_thumbnails (
                    server_name TEXT NOT NULL,
                    media_id TEXT NOT NULL,
                    width INTEGER NOT NULL,
                    height INTEGER NOT NULL,
                    method TEXT NOT NULL,
                    animated INTEGER NOT NULL,
                    content_type TEXT NOT NULL,
                    sha256 TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    created_ts INTEGER NOT NULL,
                    PRIMARY KEY (server_name, media_id, width, height, method, animated),
                    FOREIGN KEY (server_name, media_id) REFERENCES media(server_name, media_id) ON DELETE CASCADE
                ) WITHOUT ROWID;
                CREATE INDEX media_thumbnails_by_sha256 ON media_thumbnails(sha256);
                """)
        }
        migrator.registerMigration("v5_e2ee_keys") { db in
            // End-to-end encryption keys. Device keys, one-time and fallback keys hang off their device
            // (deleting the device deletes them). JSON columns hold canonical JSON without `unsigned`.
            // `identity` is the canonical JSON a device key's signature covers: a re-upload must match it.
            // Signatures uploaded later (cross-signing) live in e2e_signatures; `target_key_id` is a device
            // ID or a cross-signing public key, `target_device_id` is set for device targets only (a NULL
            // leaves the device foreign key unchecked).
            try db.execute(sql: """
                CREATE TABLE e2e_device_keys (
                    user_nid INTEGER NOT NULL,
                    device_id TEXT NOT NULL,
                    key_json BLOB NOT NULL,
                    identity BLOB NOT NULL,
                    PRIMARY KEY (user_nid, device_id),
                    FOREIGN KEY (user_nid, device_id) REFERENCES devices(user_nid, device_id) ON DELETE CASCADE
                ) WITHOUT ROWID;
                CREATE TABLE e2e_one_time_keys (
                    user_nid INTEGER NOT NULL,
                    device_id TEXT NOT NULL,
                    algorithm TEXT NOT NULL,
                    key_id TEXT NOT NULL,
                    key_json BLOB NOT NULL,
                    PRIMARY KEY (user_nid, device_id, algorithm, key_id),
                    FOREIGN KEY (user_nid, device_id) REFERENCES devices(user_nid, device_id) ON DELETE CASCADE
                ) WITHOUT ROWID;
                CREATE TABLE e2e_fallback_keys (
                    user_nid INTEGER NOT NULL,
                    device_id TEXT NOT NULL,
                    algorithm TEXT NOT NULL,
                    key_id TEXT NOT NULL,
                    key_json BLOB NOT NULL,
                    used INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (user_nid, device_id, algorithm),
                    FOREIGN KEY (user_nid, device_id) REFERENCES devices(user_nid, device_id) ON DELETE CASCADE
                ) WITHOUT ROWID;
                CREATE TABLE e2e_cross_signing_keys (
                    user_nid INTEGER NOT NULL REFERENCES users(user_nid) ON DELETE CASCADE,
                    usage TEXT NOT NULL CHECK (usage IN ('master', 'self_signing', 'user_signing')),
                    public_key TEXT NOT NULL,
                    key_json BLOB NOT NULL,
                    PRIMARY KEY (user_nid, usage)
                ) WITHOUT ROWID;
                CREATE TABLE e2e_signatures (
                    target_user_nid INTEGER NOT NULL REFERENCES users(user_nid) ON DELETE CASCADE,
                    target_key_id TEXT NOT NULL,
                    target_device_id TEXT,
                    signer_user_id TEXT NOT NULL,
                    signer_key_id TEXT NOT NULL,
                    signature TEXT NOT NULL,
                    PRIMARY KEY (target_user_nid, target_key_id, signer_user_id, signer_key_id),
                    FOREIGN KEY (target_user_nid, target_device_id)
                        REFERENCES devices(user_nid, device_id) ON DELETE CASCADE
                ) WITHOUT ROWID;
                CREATE INDEX e2e_signatures_by_device ON e2e_signatures(target_user_nid, target_device_id);
                """)
        }
        migrator.registerMigration("v6_key_backup") { db in
            // Server-side key backups. A deleted version keeps its row (`deleted` = 1) so version numbers,
            // MAX(version) + 1 per user, never come back; its sessions are removed. `etag` counts changes to
            // the version's keys. `auth_data` and `session_data` are canonical JSON as the client sent them.
            try db.execute(sql: """
                CREATE TABLE key_backup_versions (
                    user_nid INTEGER NOT NULL REFERENCES users(user_nid) ON DELETE CASCADE,
                    version INTEGER NOT NULL,
                    algorithm TEXT NOT NULL,
                    auth_data BLOB NOT NULL,
                    etag INTEGER NOT NULL DEFAULT 0,
                    deleted INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (user_nid, version)
                ) WITHOUT ROWID;
                CREATE TABLE key_backup_sessions (
                    user_nid INTEGER NOT NULL,
                    version INTEGER NOT NULL,
                    room_id TEXT NOT NULL,
                    session_id TEXT NOT NULL,
                    first_message_index INTEGER NOT NULL,
                    forwarded_count INTEGER NOT NULL,
                    is_verified INTEGER NOT NULL,
                    session_data BLOB NOT NULL,
                    PRIMARY KEY (user_nid, version, room_id, session_id),
                    FOREIGN KEY (user_nid, version) REFERENCES key_backup_versions(user_nid, version)
                        ON DELETE CASCADE
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v7_rooms") { db in
            // Rooms and their events (DESIGN.md "Storage"). Events, (type, state_key) pairs and rooms have
            // numeric IDs; event_ids also names events that are only referenced (a prev or auth event not
            // yet fetched), so edges can hold NIDs. `json` is the event as received or built (canonical
            // bytes); redaction is applied when serving until the pruning job rewrites it. `status`:
            // 0 accepted, 1 soft-failed, 2 rejected, 3 outlier. Only accepted events have a stream position.
            // State snapshots are skip-deltas (see StateSnapshotStore): each holds the entries that differ
            // from its base, and a NULL event_nid removes a key.
            try db.execute(sql: """
                CREATE TABLE rooms (
                    room_nid INTEGER PRIMARY KEY,
                    room_id TEXT NOT NULL UNIQUE,
                    room_version TEXT NOT NULL,
                    current_snapshot_nid INTEGER,
                    directory_public INTEGER NOT NULL DEFAULT 0,
                    created_ts INTEGER NOT NULL
                );
                CREATE TABLE event_ids (
                    event_nid INTEGER PRIMARY KEY,
                    event_id TEXT NOT NULL UNIQUE
                );
                CREATE TABLE state_keys (
                    state_key_nid INTEGER PRIMARY KEY,
                    type TEXT NOT NULL,
                    state_key TEXT NOT NULL,
                    UNIQUE (type, state_key)
                );
                CREATE TABLE events (
                    event_nid INTEGER PRIMARY KEY REFERENCES event_ids(event_nid),
                    room_nid INTEGER NOT NULL REFERENCES rooms(room_nid),
                    type TEXT NOT NULL,
                    state_key_nid INTEGER,
                    sender TEXT NOT NULL,
                    depth INTEGER NOT NULL,
                    origin_server_ts INTEGER NOT NULL,
                    received_ts INTEGER NOT NULL,
                    stream_pos INTEGER UNIQUE,
                    state_before_nid INTEGER,
                    state_after_nid INTEGER,
                    replaces_nid INTEGER,
                    status INTEGER NOT NULL DEFAULT 0,
                    rejection TEXT,
                    redacts TEXT,
                    relates_to TEXT,
                    rel_type TEXT,
                    redacted_by INTEGER,
                    redacted_ts INTEGER,
                    pruned INTEGER NOT NULL DEFAULT 0,
                    json BLOB NOT NULL
                );
                CREATE INDEX events_timeline ON events(room_nid, stream_pos) WHERE stream_pos IS NOT NULL;
                CREATE INDEX events_topological ON events(room_nid, depth, stream_pos) WHERE stream_pos IS NOT NULL;
                CREATE INDEX events_by_ts ON events(room_nid, origin_server_ts) WHERE stream_pos IS NOT NULL;
                CREATE INDEX events_relations ON events(relates_to, rel_type) WHERE relates_to IS NOT NULL;
                CREATE INDEX events_redacts ON events(redacts) WHERE redacts IS NOT NULL;
                CREATE INDEX events_prunable ON events(redacted_ts) WHERE redacted_ts IS NOT NULL AND pruned = 0;
                CREATE TABLE event_edges (
                    event_nid INTEGER NOT NULL,
                    prev_nid INTEGER NOT NULL,
                    PRIMARY KEY (event_nid, prev_nid)
                ) WITHOUT ROWID;
                CREATE INDEX event_edges_by_prev ON event_edges(prev_nid);
                CREATE TABLE event_auth_edges (
                    event_nid INTEGER NOT NULL,
                    auth_nid INTEGER NOT NULL,
                    PRIMARY KEY (event_nid, auth_nid)
                ) WITHOUT ROWID;
                CREATE TABLE forward_extremities (
                    room_nid INTEGER NOT NULL,
                    event_nid INTEGER NOT NULL,
                    PRIMARY KEY (room_nid, event_nid)
                ) WITHOUT ROWID;
                CREATE TABLE state_snapshots (
                    snapshot_nid INTEGER PRIMARY KEY,
                    room_nid INTEGER NOT NULL,
                    base_nid INTEGER,
                    lineage INTEGER NOT NULL
                );
                CREATE TABLE state_snapshot_entries (
                    snapshot_nid INTEGER NOT NULL,
                    state_key_nid INTEGER NOT NULL,
                    event_nid INTEGER,
                    PRIMARY KEY (snapshot_nid, state_key_nid)
                ) WITHOUT ROWID;
                CREATE TABLE room_members (
                    room_nid INTEGER NOT NULL,
                    user_id TEXT NOT NULL,
                    membership TEXT NOT NULL,
                    event_nid INTEGER NOT NULL,
                    stream_pos INTEGER,
                    forgotten INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (room_nid, user_id)
                ) WITHOUT ROWID;
                CREATE INDEX room_members_by_user ON room_members(user_id, membership);
                CREATE TABLE event_txns (
                    user_nid INTEGER NOT NULL,
                    device_id TEXT NOT NULL,
                    txn_id TEXT NOT NULL,
                    event_nid INTEGER NOT NULL,
                    PRIMARY KEY (user_nid, device_id, txn_id)
                ) WITHOUT ROWID;
                CREATE INDEX event_txns_by_event ON event_txns(event_nid);
                CREATE TABLE room_aliases (
                    alias TEXT PRIMARY KEY NOT NULL,
                    room_nid INTEGER NOT NULL REFERENCES rooms(room_nid),
                    creator TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX room_aliases_by_room ON room_aliases(room_nid);
                CREATE TABLE reports (
                    report_id INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL,
                    room_id TEXT,
                    event_id TEXT,
                    target_user_id TEXT,
                    reporter TEXT NOT NULL,
                    reason TEXT,
                    score INTEGER,
                    received_ts INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v8_reads") { db in
            // Thread replies by room, for `/threads` and the thread summaries bundled with served events.
            // The WHERE must appear verbatim in a query for SQLite to use this partial index.
            try db.execute(sql: """
                CREATE INDEX events_thread_replies ON events(room_nid, relates_to)
                    WHERE rel_type = 'm.thread' AND stream_pos IS NOT NULL;
                """)
        }
        migrator.registerMigration("v9_profiles") { db in
            // Profiles of local users: displayname and avatar_url as columns (member events and the user
            // directory read them), other fields (m.tz, custom keys) as canonical JSON rows. Every user has
            // a profile row whose displayname starts as the localpart, as Synapse gives at registration: the
            // trigger adds it for new users, the INSERT for existing ones. `displayname_tokens` is the
            // displayname's lower-cased words (" word word"), which user directory searches match by prefix.
            // `user_directory_rooms` caches, per room and current-state snapshot, whether the room makes its
            // joined members visible in the directory (public join rule or world_readable history).
            try db.execute(sql: """
                CREATE TABLE profiles (
                    user_nid INTEGER PRIMARY KEY REFERENCES users(user_nid) ON DELETE CASCADE,
                    displayname TEXT,
                    avatar_url TEXT,
                    displayname_tokens TEXT
                );
                CREATE TABLE profile_fields (
                    user_nid INTEGER NOT NULL REFERENCES users(user_nid) ON DELETE CASCADE,
                    key TEXT NOT NULL,
                    value BLOB NOT NULL,
                    PRIMARY KEY (user_nid, key)
                ) WITHOUT ROWID;
                INSERT INTO profiles (user_nid, displayname) SELECT user_nid, localpart FROM users;
                CREATE TRIGGER profiles_for_new_users AFTER INSERT ON users BEGIN
                    INSERT OR IGNORE INTO profiles (user_nid, displayname) VALUES (NEW.user_nid, NEW.localpart);
                END;
                CREATE TABLE user_directory_rooms (
                    room_nid INTEGER PRIMARY KEY,
                    snapshot_nid INTEGER NOT NULL,
                    visible INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v10_filters") { db in
            // Filters uploaded with POST /user/{userId}/filter: the body's canonical JSON (unknown members
            // kept, as GET returns it), numbered per user from 0 as Synapse does.
            try db.execute(sql: """
                CREATE TABLE user_filters (
                    user_nid INTEGER NOT NULL REFERENCES users(user_nid) ON DELETE CASCADE,
                    filter_id INTEGER NOT NULL,
                    json BLOB NOT NULL,
                    PRIMARY KEY (user_nid, filter_id)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v11_receipts_presence") { db in
            // Receipts: one row per (room, user, receipt type, thread), '' being "unthreaded"; a newer
            // receipt replaces the row and takes the next position of the receipt stream, so "what changed
            // since position p" is the rows above p. Presence: one row per user, the last state the
            // presence service wrote, with its position in the presence stream (kept across restarts).
            try db.execute(sql: """
                CREATE TABLE receipts (
                    room_nid INTEGER NOT NULL REFERENCES rooms(room_nid),
                    user_id TEXT NOT NULL,
                    receipt_type TEXT NOT NULL,
                    thread_id TEXT NOT NULL DEFAULT '',
                    event_nid INTEGER NOT NULL REFERENCES event_ids(event_nid),
                    ts INTEGER NOT NULL,
                    stream_pos INTEGER NOT NULL,
                    PRIMARY KEY (room_nid, user_id, receipt_type, thread_id)
                ) WITHOUT ROWID;
                CREATE UNIQUE INDEX receipts_by_stream ON receipts(stream_pos);
                CREATE TABLE presence (
                    user_id TEXT PRIMARY KEY NOT NULL,
                    state TEXT NOT NULL,
                    status_msg TEXT,
                    last_active_ts INTEGER NOT NULL,
                    currently_active INTEGER NOT NULL,
                    stream_pos INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v12_device_lists_to_device") { db in
            // Device list changes: a row per change of a user's device identity or cross-signing keys (a
            // device's keys uploaded, a device deleted or renamed, a cross-signing key or signature
            // uploaded); `/sync` and `/keys/changes` read the rows between two positions. By user ID, as
            // remote users' changes will land here too.
            // To-device messages wait here for their device until a sync token past them acknowledges
            // them; AUTOINCREMENT so a position is never handed out twice after deletions. A sender's
            // transaction IDs make `PUT /sendToDevice` idempotent per device.
            try db.execute(sql: """
                CREATE TABLE device_list_changes (
                    stream_pos INTEGER PRIMARY KEY AUTOINCREMENT,
                    user_id TEXT NOT NULL
                );
                CREATE INDEX device_list_changes_by_user ON device_list_changes(user_id, stream_pos);
                CREATE TABLE to_device_messages (
                    stream_pos INTEGER PRIMARY KEY AUTOINCREMENT,
                    user_nid INTEGER NOT NULL,
                    device_id TEXT NOT NULL,
                    sender TEXT NOT NULL,
                    type TEXT NOT NULL,
                    content BLOB NOT NULL,
                    FOREIGN KEY (user_nid, device_id) REFERENCES devices(user_nid, device_id) ON DELETE CASCADE
                );
                CREATE INDEX to_device_by_device ON to_device_messages(user_nid, device_id, stream_pos);
                CREATE TABLE to_device_txns (
                    user_nid INTEGER NOT NULL,
                    device_id TEXT NOT NULL,
                    txn_id TEXT NOT NULL,
                    PRIMARY KEY (user_nid, device_id, txn_id),
                    FOREIGN KEY (user_nid, device_id) REFERENCES devices(user_nid, device_id) ON DELETE CASCADE
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v13_push_actions") { db in
            // Notifying events per local user (push rules' verdict): one row per (user, room, event), with
            // the thread the event is in (NULL: the main timeline) and whether it highlights. Only events
            // that notify get a row; rows at or before the user's read receipt are dropped as it moves, so
            // the table holds roughly what is unread. `push_actions_progress` is how far in the room event
            // stream the rules have run (they run after an event is persisted, in stream order); it starts
            // at the stream's end so an upgraded server does not evaluate its whole history.
            try db.execute(sql: """
                CREATE TABLE push_actions (
                    user_nid INTEGER NOT NULL REFERENCES users(user_nid) ON DELETE CASCADE,
                    room_nid INTEGER NOT NULL REFERENCES rooms(room_nid),
                    stream_pos INTEGER NOT NULL,
                    thread_id TEXT,
                    highlight INTEGER NOT NULL,
                    PRIMARY KEY (user_nid, room_nid, stream_pos)
                ) WITHOUT ROWID;
                CREATE TABLE push_actions_progress (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    stream_pos INTEGER NOT NULL
                );
                INSERT INTO push_actions_progress (id, stream_pos) SELECT 1, COALESCE(MAX(stream_pos), 0) FROM events;
                """)
        }
        migrator.registerMigration("v14_server_keys") { db in
            // Other servers' signing keys. A key response is kept as received (canonical JSON, with the
            // signatures it came with) so the notary can serve it on; `source` is who we had it from (the
            // server itself or a notary). Each key row points at the newest response that listed it;
            // responses no key points at are deleted. A current key has `valid_until_ts` (already capped
            // at fetched + 7 days, as the spec asks), an old key `expired_ts`.
            try db.execute(sql: """
                CREATE TABLE server_key_responses (
                    response_id INTEGER PRIMARY KEY,
                    server_name TEXT NOT NULL,
                    source TEXT NOT NULL,
                    fetched_ts INTEGER NOT NULL,
                    valid_until_ts INTEGER NOT NULL,
                    json BLOB NOT NULL
                );
                CREATE INDEX server_key_responses_by_server ON server_key_responses(server_name);
                CREATE TABLE server_keys (
                    server_name TEXT NOT NULL,
                    key_id TEXT NOT NULL,
                    public_key BLOB NOT NULL,
                    valid_until_ts INTEGER,
                    expired_ts INTEGER,
                    fetched_ts INTEGER NOT NULL,
                    response_id INTEGER NOT NULL REFERENCES server_key_responses(response_id),
                    PRIMARY KEY (server_name, key_id),
                    CHECK ((valid_until_ts IS NULL) <> (expired_ts IS NULL))
                ) WITHOUT ROWID;
                CREATE INDEX server_keys_by_response ON server_keys(response_id);
                """)
        }
        migrator.registerMigration("v15_federation") { db in
            // Federation. Inbound transactions are remembered per (origin, txn_id) with the answer given, so
            // a retried transaction gets the same answer without being processed again. The outbox holds,
            // per destination, the events still to send, in `seq` order; `federation_destinations` has the
            // backoff state and the next transaction number. `federation_sender_progress` is how far in the
            // room event stream local events have been queued (queued in the same transaction as it moves,
            // so a crash loses none); it starts at the stream's end so an upgraded server does not send its
            // history.
            try db.execute(sql: """
                CREATE TABLE federation_inbound_txns (
                    origin TEXT NOT NULL,
                    txn_id TEXT NOT NULL,
                    response BLOB NOT NULL,
                    received_ts INTEGER NOT NULL,
                    PRIMARY KEY (origin, txn_id)
                ) WITHOUT ROWID;
                CREATE INDEX federation_inbound_txns_by_ts ON federation_inbound_txns(received_ts);
                CREATE TABLE federation_outbox (
                    destination TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    event_nid INTEGER NOT NULL,
                    PRIMARY KEY (destination, seq)
                ) WITHOUT ROWID;
                CREATE TABLE federation_destinations (
                    destination TEXT PRIMARY KEY NOT NULL,
                    retry_at_ts INTEGER NOT NULL DEFAULT 0,
                    backoff_ms INTEGER NOT NULL DEFAULT 0,
                    next_txn INTEGER NOT NULL DEFAULT 1,
                    last_success_ts INTEGER
                ) WITHOUT ROWID;
                CREATE TABLE federation_sender_progress (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    stream_pos INTEGER NOT NULL
                );
                INSERT INTO federation_sender_progress (id, stream_pos)
                    SELECT 1, COALESCE(MAX(stream_pos), 0) FROM events;
                """)
        }
        migrator.registerMigration("v16_one_time_key_order") { db in
            // Spec v1.13: one-time keys are claimed in the order they were uploaded (keys of one upload in
            // any order). Each upload takes the next number per device; keys from before this migration are
            // all 0, so they go first, in key ID order as before.
            try db.execute(sql: "ALTER TABLE e2e_one_time_keys ADD COLUMN upload_seq INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v17_erased_users") { db in
            // Users deactivated with `erase` (spec v1.10): their events are served redacted to whoever was
            // not already in the room when they asked. `stream_pos` is the room event stream's end at that
            // moment, to compare with the position of a viewer's membership.
            try db.execute(sql: """
                CREATE TABLE erased_users (
                    user_id TEXT PRIMARY KEY NOT NULL,
                    stream_pos INTEGER NOT NULL,
                    erased_ts INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        // A user's membership at each event (`unsigned.membership`) reads their member events of a room:
        // found by state key, not by scanning the room's timeline.
        migrator.registerMigration("v18_member_history") { db in
            try db.execute(sql: """
                CREATE INDEX events_by_state_key ON events(state_key_nid, room_nid, stream_pos)
                    WHERE state_key_nid IS NOT NULL;
                """)
        }
        // A sending device's to-device transaction IDs were kept forever, one row per request: a number
        // in send order lets the store keep only the latest ones (clients retry only recent requests).
        // Rows from before are 0, the oldest, and go first.
        migrator.registerMigration("v19_to_device_txn_order") { db in
            try db.execute(sql: """
                ALTER TABLE to_device_txns ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX to_device_txns_by_seq ON to_device_txns(user_nid, device_id, seq);
                """)
        }
        return migrator
    }
}
