import Logging
import MatrixCore
import MyelinAccounts

/// One configuration key: its dotted path, the type it takes, and how it lands in `MyelinConfig`.
struct ConfigKey: Sendable {
    enum Kind: Sendable {
        case string
        case integer(ClosedRange<Int>)
        case number(ClosedRange<Double>)
        case boolean
        case choice([String])
        case stringList

        var expectation: String {
            switch self {
            case .string: return "a string"
            case .integer(let range): return "an integer from \(range.lowerBound) to \(range.upperBound)"
            case .number(let range): return "a number from \(range.lowerBound) to \(range.upperBound)"
            case .boolean: return "true or false"
            case .choice(let options): return "one of " + options.map { "\"\($0)\"" }.joined(separator: ", ")
            case .stringList: return "an array of strings"
            }
        }
    }

    enum Value: Sendable {
        case string(String)
        case integer(Int)
        case number(Double)
        case boolean(Bool)
        case strings([String])
    }

    let path: String
    let kind: Kind
    /// Checks beyond the type (a server name's grammar); returns what is wrong, or nil.
    let validate: @Sendable (Value) -> String?
    let apply: @Sendable (inout MyelinConfig, Value) -> Void

    init(_ path: String, _ kind: Kind, validate: @escaping @Sendable (Value) -> String? = { _ in nil },
         apply: @escaping @Sendable (inout MyelinConfig, Value) -> Void) {
        self.path = path
        self.kind = kind
        self.validate = validate
        self.apply = apply
    }

    /// The environment variable that overrides this key: `MYELIN_` + the path upper-cased, with `__`
    /// between a section and its key (`listen.port` → `MYELIN_LISTEN__PORT`).
    var environmentName: String {
        "MYELIN_" + path.uppercased().replacingOccurrences(of: ".", with: "__")
    }
}

extension String {
    func replacingOccurrences(of target: Character, with replacement: String) -> String {
        var out = ""
        for character in self { if character == target { out += replacement } else { out.append(character) } }
        return out
    }
}

enum ConfigSchema {
    static func string(_ path: String, _ apply: @escaping @Sendable (inout MyelinConfig, String) -> Void,
                       validate: @escaping @Sendable (String) -> String? = { _ in nil }) -> ConfigKey {
        ConfigKey(path, .string, validate: { if case .string(let s) = $0 { return validate(s) } else { return nil } }) {
            if case .string(let s) = $1 { apply(&$0, s) }
        }
    }

    static func int(_ path: String, _ range: ClosedRange<Int>, _ apply: @escaping @Sendable (inout MyelinConfig, Int) -> Void)
        -> ConfigKey
    {
        ConfigKey(path, .integer(range)) { if case .integer(let i) = $1 { apply(&$0, i) } }
    }

    static func number(_ path: String, _ range: ClosedRange<Double>,
                       _ apply: @escaping @Sendable (inout MyelinConfig, Double) -> Void) -> ConfigKey {
        ConfigKey(path, .number(range)) { if case .number(let d) = $1 { apply(&$0, d) } }
    }

    static func bool(_ path: String, _ apply: @escaping @Sendable (inout MyelinConfig, Bool) -> Void) -> ConfigKey {
        ConfigKey(path, .boolean) { if case .boolean(let b) = $1 { apply(&$0, b) } }
    }

    static func choice(_ path: String, _ options: [String],
                       _ apply: @escaping @Sendable (inout MyelinConfig, String) -> Void) -> ConfigKey {
        ConfigKey(path, .choice(options)) { if case .string(let s) = $1 { apply(&$0, s) } }
    }

    static func list(_ path: String, validate: @escaping @Sendable ([String]) -> String? = { _ in nil },
                     _ apply: @escaping @Sendable (inout MyelinConfig, [String]) -> Void) -> ConfigKey {
        ConfigKey(path, .stringList, validate: { if case .strings(let s) = $0 { return validate(s) } else { return nil } }) {
            if case .strings(let s) = $1 { apply(&$0, s) }
        }
    }

    static func validServerName(_ text: String) -> String? {
        do {
            _ = try ServerName(parsing: text)
            return nil
        } catch {
            return error.description
        }
    }

    static func validURLOrEmpty(_ text: String) -> String? {
        text.isEmpty || text.hasPrefix("https://") || text.hasPrefix("http://")
            ? nil : "must be empty or an http(s):// URL"
    }

    static let logLevels = Logger.Level.allCases.map(\.rawValue)

    static let keys: [ConfigKey] = [
        string("server_name", { $0.serverName = $1 }, validate: validServerName),
        string("data_dir", { $0.dataDir = $1 }, validate: { $0.isEmpty ? "must not be empty" : nil }),
        int("memory_budget_mb", 32...65_536) { $0.memoryBudgetMB = $1 },

        string("listen.address", { $0.listenAddress = $1 }, validate: { $0.isEmpty ? "must not be empty" : nil }),
        int("listen.port", 0...65_535) { $0.listenPort = $1 },

        choice("log.level", logLevels) { $0.logLevel = Logger.Level(rawValue: $1) ?? .info },
        bool("log.requests") { $0.logRequests = $1 },

        string("database.path", { $0.databasePath = $1 }),
        int("database.busy_timeout_ms", 0...600_000) { $0.databaseBusyTimeoutMs = $1 },
        int("database.readers", 1...16) { $0.databaseReaders = $1 },
        int("database.backups_to_keep", 1...100) { $0.databaseBackupsToKeep = $1 },

        string("keys.signing_key_path", { $0.signingKeyPath = $1 }),

        int("http.idle_timeout_s", 5...3600) { $0.httpIdleTimeoutS = $1 },
        int("http.max_body_bytes", 1024...(64 << 20)) { $0.maxBodyBytes = $1 },
        int("http.max_json_depth", 4...512) { $0.maxJSONDepth = $1 },
        bool("http.trust_forwarded_for") { $0.trustForwardedFor = $1 },
        int("http.unauthenticated_max_body_bytes", 1024...(1 << 20)) { $0.unauthenticatedMaxBodyBytes = $1 },
        int("http.body_budget_mb", 0...4096) { $0.bodyBudgetMB = $1 },
        int("http.request_head_timeout_s", 1...3600) { $0.requestHeadTimeoutS = $1 },
        int("http.body_min_bytes_per_second", 0...(64 << 20)) { $0.bodyMinBytesPerSecond = $1 },
        int("http.body_rate_window_s", 1...600) { $0.bodyRateWindowS = $1 },
        int("http.max_connections_per_address", 0...100_000) { $0.maxConnectionsPerAddress = $1 },
        int("http.max_unauthenticated_connections", 0...1_000_000) { $0.maxUnauthenticatedConnections = $1 },

        string("tls.certificate_path", { $0.tlsCertificatePath = $1 }),
        string("tls.private_key_path", { $0.tlsPrivateKeyPath = $1 }),
        string("tls.address", { $0.tlsAddress = $1 }, validate: { $0.isEmpty ? "must not be empty" : nil }),
        int("tls.port", 0...65_535) { $0.tlsPort = $1 },
        int("tls.handshake_timeout_s", 1...300) { $0.tlsHandshakeTimeoutS = $1 },

        bool("outbound.allow_private_addresses") { $0.outboundAllowPrivateAddresses = $1 },
        list("outbound.allowed_networks") { $0.outboundAllowedNetworks = $1 },
        string("outbound.extra_ca_file", { $0.outboundExtraCAFile = $1 }),
        int("outbound.max_connections_per_destination", 1...64) { $0.outboundMaxConnectionsPerDestination = $1 },
        int("outbound.connect_timeout_s", 1...300) { $0.outboundConnectTimeoutS = $1 },
        int("outbound.read_timeout_s", 1...3600) { $0.outboundReadTimeoutS = $1 },
        int("outbound.total_timeout_s", 1...86_400) { $0.outboundTotalTimeoutS = $1 },
        int("outbound.max_response_bytes", 1024...(1 << 30)) { $0.outboundMaxResponseBytes = $1 },

        bool("federation.enabled") { $0.federationEnabled = $1 },
        list("federation.trusted_key_servers", validate: { servers in
            servers.first { (try? ServerName(parsing: $0)) == nil }.map { "\"\($0)\" is not a server name" }
        }) { $0.federationTrustedKeyServers = $1 },
        int("federation.max_queued_events_per_destination", 100...1_000_000) {
            $0.federationMaxQueuedEventsPerDestination = $1
        },
        int("federation.retry_max_s", 10...86_400) { $0.federationRetryMaxS = $1 },
        int("federation.max_queued_transactions_per_origin", 1...1000) { $0.federationMaxQueuedTransactionsPerOrigin = $1 },
        int("federation.max_missing_events_per_pdu", 1...10_000) { $0.federationMaxMissingEventsPerPDU = $1 },
        int("federation.missing_events_timeout_s", 1...600) { $0.federationMissingEventsTimeoutS = $1 },

        string("well_known.client_base_url", { $0.wellKnownClientBaseURL = $1 }, validate: validURLOrEmpty),
        string("well_known.server", { $0.wellKnownServer = $1 },
               validate: { $0.isEmpty ? nil : validServerName($0) }),
        string("well_known.support_page", { $0.wellKnownSupportPage = $1 }, validate: validURLOrEmpty),
        list("well_known.admin_contacts", validate: { contacts in
            contacts.first { contact in
                contact.hasPrefix("@") ? (try? UserID(parsing: contact)) == nil : !contact.contains("@")
            }.map { "\"\($0)\" is neither a Matrix user ID nor an email address" }
        }) { $0.wellKnownAdminContacts = $1 },

        choice("registration.mode", RegistrationMode.allCases.map(\.rawValue)) {
            $0.registrationMode = RegistrationMode(rawValue: $1) ?? .auto
        },
        bool("registration.allow_guests") { $0.allowGuests = $1 },
        string("registration.shared_secret", { $0.registrationSharedSecret = $1 }),
        int("registration.password_min_length", 0...512) { $0.passwordMinLength = $1 },

        int("auth.refreshable_access_token_lifetime_s", 10...31_536_000) { $0.refreshableAccessTokenLifetimeS = $1 },
        int("auth.login_token_lifetime_s", 10...3600) { $0.loginTokenLifetimeS = $1 },
        int("auth.argon2_ops", 1...32) { $0.argon2Ops = $1 },
        int("auth.argon2_memory_kib", 8...(4 << 20)) { $0.argon2MemoryKiB = $1 },
        int("auth.password_hash_threads", 1...16) { $0.passwordHashThreads = $1 },

        bool("rate_limit.enabled") { $0.rateLimitEnabled = $1 },
        number("rate_limit.login_per_second", 0.001...10_000) { $0.loginPerSecond = $1 },
        number("rate_limit.login_burst", 1...100_000) { $0.loginBurst = $1 },
        number("rate_limit.registration_per_second", 0.001...10_000) { $0.registrationPerSecond = $1 },
        number("rate_limit.registration_burst", 1...100_000) { $0.registrationBurst = $1 },
        number("rate_limit.failed_login_per_second", 0.001...10_000) { $0.failedLoginPerSecond = $1 },
        number("rate_limit.failed_login_burst", 1...100_000) { $0.failedLoginBurst = $1 },
        number("rate_limit.message_per_second", 0.001...10_000) { $0.messagePerSecond = $1 },
        number("rate_limit.message_burst", 1...100_000) { $0.messageBurst = $1 },
        number("rate_limit.to_device_per_second", 0.001...10_000) { $0.toDevicePerSecond = $1 },
        number("rate_limit.to_device_burst", 1...100_000) { $0.toDeviceBurst = $1 },
        number("rate_limit.account_data_per_second", 0.001...10_000) { $0.accountDataPerSecond = $1 },
        number("rate_limit.account_data_burst", 1...100_000) { $0.accountDataBurst = $1 },
        number("rate_limit.filter_per_second", 0.001...10_000) { $0.filterPerSecond = $1 },
        number("rate_limit.filter_burst", 1...100_000) { $0.filterBurst = $1 },
        number("rate_limit.profile_per_second", 0.001...10_000) { $0.profilePerSecond = $1 },
        number("rate_limit.profile_burst", 1...100_000) { $0.profileBurst = $1 },
        number("rate_limit.room_creation_per_second", 0.001...10_000) { $0.roomCreationPerSecond = $1 },
        number("rate_limit.room_creation_burst", 1...100_000) { $0.roomCreationBurst = $1 },
        number("rate_limit.invite_per_second", 0.001...10_000) { $0.invitePerSecond = $1 },
        number("rate_limit.invite_burst", 1...100_000) { $0.inviteBurst = $1 },
        number("rate_limit.key_upload_per_second", 0.001...10_000) { $0.keyUploadPerSecond = $1 },
        number("rate_limit.key_upload_burst", 1...100_000) { $0.keyUploadBurst = $1 },
        number("rate_limit.key_backup_per_second", 0.001...10_000) { $0.keyBackupPerSecond = $1 },
        number("rate_limit.key_backup_burst", 1...100_000) { $0.keyBackupBurst = $1 },
        number("rate_limit.report_per_second", 0.001...10_000) { $0.reportPerSecond = $1 },
        number("rate_limit.report_burst", 1...100_000) { $0.reportBurst = $1 },
        number("rate_limit.directory_per_second", 0.001...10_000) { $0.directoryPerSecond = $1 },
        number("rate_limit.directory_burst", 1...100_000) { $0.directoryBurst = $1 },
        list("rate_limit.exempt_users") { $0.rateLimitExemptUsers = $1 },
        list("rate_limit.exempt_addresses") { $0.rateLimitExemptAddresses = $1 },

        int("quotas.to_device_max_message_bytes", 1024...1_048_576) { $0.toDeviceMaxMessageBytes = $1 },
        int("quotas.to_device_max_pending_per_device", 0...10_000_000) { $0.toDeviceMaxPendingPerDevice = $1 },
        int("quotas.to_device_max_pending_bytes_per_device", 0...(1 << 40)) { $0.toDeviceMaxPendingBytesPerDevice = $1 },
        int("quotas.account_data_max_entries", 0...10_000_000) { $0.accountDataMaxEntries = $1 },
        int("quotas.account_data_max_bytes", 0...(1 << 40)) { $0.accountDataMaxBytes = $1 },
        int("quotas.account_data_max_entry_bytes", 1024...(1 << 30)) { $0.accountDataMaxEntryBytes = $1 },
        int("quotas.filters_max_per_user", 0...1_000_000) { $0.filtersMaxPerUser = $1 },
        int("quotas.filter_max_bytes", 1024...(1 << 30)) { $0.filterMaxBytes = $1 },
        int("quotas.one_time_keys_max_per_device", 0...1_000_000) { $0.oneTimeKeysMaxPerDevice = $1 },

        int("media.max_upload_bytes", 1024...1_073_741_824) { $0.mediaMaxUploadBytes = $1 },
        int("media.user_quota_bytes", 0...(1 << 50)) { $0.mediaUserQuotaBytes = $1 },
        bool("media.freeze_legacy_routes") { $0.mediaFreezeLegacyRoutes = $1 },
        int("media.pending_media_lifetime_s", 60...31_536_000) { $0.mediaPendingLifetimeS = $1 },
        int("media.max_pending_per_user", 1...10_000) { $0.mediaMaxPendingPerUser = $1 },
        int("media.max_thumbnail_pixels", 1_000_000...1_000_000_000) { $0.mediaMaxThumbnailPixels = $1 },
        bool("media.thumbnails") { $0.mediaThumbnails = $1 },
        string("media.thumbnailer_path", { $0.mediaThumbnailerPath = $1 }),
        bool("media.url_preview_enabled") { $0.mediaURLPreviewEnabled = $1 },
        list("media.url_preview_allowed_networks") { $0.mediaURLPreviewAllowedNetworks = $1 },
        choice("rooms.default_room_version", RoomVersion.all.map(\.identifier)) { $0.defaultRoomVersion = $1 },
        int("rooms.redaction_retention_s", 0...31_536_000) { $0.redactionRetentionS = $1 },

        bool("user_directory.search_all_users") { $0.userDirectorySearchAllUsers = $1 },
        int("presence.idle_timeout_s", 60...86_400) { $0.presenceIdleTimeoutS = $1 },
        int("presence.offline_timeout_s", 10...3600) { $0.presenceOfflineTimeoutS = $1 },

        list("voip.turn_uris", validate: { uris in
            uris.first { uri in !["turn:", "turns:", "stun:"].contains { uri.hasPrefix($0) } }
                .map { "\"\($0)\" is not a turn:, turns: or stun: URI" }
        }) { $0.voipTurnURIs = $1 },
        string("voip.turn_shared_secret", { $0.voipTurnSharedSecret = $1 }),
        string("voip.turn_username", { $0.voipTurnUsername = $1 }),
        string("voip.turn_password", { $0.voipTurnPassword = $1 }),
        int("voip.turn_user_lifetime_s", 60...31_536_000) { $0.voipTurnUserLifetimeS = $1 },
        bool("voip.turn_allow_guests") { $0.voipTurnAllowGuests = $1 },
    ]

    static let byPath: [String: ConfigKey] = Dictionary(uniqueKeysWithValues: keys.map { ($0.path, $0) })

    /// The section names that exist (a table with another name is an unknown key).
    static let sections: Set<String> = Set(keys.compactMap { key in
        key.path.split(separator: ".").count > 1 ? String(key.path.split(separator: ".")[0]) : nil
    })
}
