import GRDB

/// Deduplicated room state snapshots, stored as skip-deltas (the scheme Subversion uses for file
/// revisions). Each snapshot has a lineage number n, one more than the snapshot it was derived from,
/// and stores only the entries that differ from its base: the ancestor with lineage n with its lowest
/// set bit cleared. Reading a snapshot walks at most log2(n) bases; deriving one writes the changes
/// accumulated since its base, which is O(delta · log n) amortised, never O(room size) per event
/// (only at powers of two does a snapshot restate everything). An entry with a NULL event removes
/// the key.
enum StateSnapshots {
    private struct Link {
        let nid: Int64
        let base: Int64?
        let lineage: Int64
    }

    /// The empty snapshot a room's state starts from.
    static func createRoot(_ db: Database, roomNid: Int64) throws -> Int64 {
        try db.cachedStatement(sql: "INSERT INTO state_snapshots (room_nid, base_nid, lineage) VALUES (?, NULL, 0)").execute(arguments: [roomNid])
        return db.lastInsertedRowID
    }

    private static func link(_ db: Database, _ nid: Int64) throws -> Link {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT base_nid, lineage FROM state_snapshots WHERE snapshot_nid = ?"), arguments: [nid])
        else { throw StorageError.corrupt("state snapshot \(nid) does not exist") }
        return Link(nid: nid, base: row["base_nid"], lineage: row["lineage"])
    }

    /// `snapshot` and its bases, newest first.
    private static func chain(_ db: Database, _ snapshot: Int64) throws -> [Link] {
        var links: [Link] = []
        var next: Int64? = snapshot
        while let nid = next {
            let link = try link(db, nid)
            links.append(link)
            next = link.base
            guard links.count <= 64 else { throw StorageError.corrupt("state snapshot \(snapshot): base chain loops") }
        }
        return links
    }

    /// Entries of the given snapshots, by snapshot.
    private static func entries(_ db: Database, of snapshots: [Int64], keys: [Int64]? = nil)
        throws -> [Int64: [(key: Int64, event: Int64?)]]
    {
        var result: [Int64: [(key: Int64, event: Int64?)]] = [:]
        let snapshotList = snapshots.map(String.init).joined(separator: ",")
        var sql = "SELECT snapshot_nid, state_key_nid, event_nid FROM state_snapshot_entries WHERE snapshot_nid IN (\(snapshotList))"
        if let keys {
            if keys.isEmpty { return [:] }
            sql += " AND state_key_nid IN (\(keys.map(String.init).joined(separator: ",")))"
        }
        let rows = try Row.fetchCursor(db, sql: sql)
        while let row = try rows.next() {
            result[row["snapshot_nid"], default: []].append((row["state_key_nid"], row["event_nid"]))
        }
        return result
    }

    /// The whole state: state key NID → event NID.
    static func load(_ db: Database, _ snapshot: Int64) throws -> [Int64: Int64] {
        try resolve(db, snapshot, keys: nil)
    }

    /// Only the given keys (those present).
    static func lookup(_ db: Database, _ snapshot: Int64, keys: [Int64]) throws -> [Int64: Int64] {
        try resolve(db, snapshot, keys: keys)
    }

    private static func resolve(_ db: Database, _ snapshot: Int64, keys: [Int64]?) throws -> [Int64: Int64] {
        let links = try chain(db, snapshot)
        let byLink = try entries(db, of: links.map(\.nid), keys: keys)
        var seen: Set<Int64> = []
        var state: [Int64: Int64] = [:]
        for link in links {  // newest first: the first entry for a key wins
            for entry in byLink[link.nid] ?? [] where seen.insert(entry.key).inserted {
                if let event = entry.event { state[entry.key] = event }
            }
        }
        return state
    }

    /// A snapshot equal to `from` with `changes` applied (state key NID → event NID, nil removes).
    /// Returns `from` itself when nothing changes.
    static func derive(_ db: Database, roomNid: Int64, from: Int64, changes: [Int64: Int64?]) throws -> Int64 {
        if changes.isEmpty { return from }
        let links = try chain(db, from)
        let lineage = links[0].lineage + 1
        let baseLineage = lineage & (lineage - 1)
        // The chain of `from` visits every prefix of its lineage's bits, so the base is on it.
        guard let baseIndex = links.firstIndex(where: { $0.lineage <= baseLineage }) else {
            throw StorageError.corrupt("state snapshot \(from): no base with lineage \(baseLineage)")
        }
        let skipped = Array(links[..<baseIndex])
        var delta: [Int64: Int64?] = [:]
        if !skipped.isEmpty {
            let byLink = try entries(db, of: skipped.map(\.nid))
            for link in skipped.reversed() {  // oldest first, newer entries overwrite
                for entry in byLink[link.nid] ?? [] { delta[entry.key] = .some(entry.event) }
            }
        }
        for (key, event) in changes { delta[key] = .some(event) }
        try db.cachedStatement(sql: "INSERT INTO state_snapshots (room_nid, base_nid, lineage) VALUES (?, ?, ?)").execute(arguments: [roomNid, links[baseIndex].nid, lineage])
        let snapshot = db.lastInsertedRowID
        let insert = try db.cachedStatement(
            sql: "INSERT INTO state_snapshot_entries (snapshot_nid, state_key_nid, event_nid) VALUES (?, ?, ?)")
        for (key, event) in delta {
            try insert.execute(arguments: [snapshot, key, event ?? nil])
        }
        return snapshot
    }
}
