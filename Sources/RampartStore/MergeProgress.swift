import Foundation
import GRDB

/// How far the merge of staged events into `events` has gone: the row of `merge_progress` (migration "v6 merges by
/// key range"); ``RangeMergePlan`` holds where a process is in it.
///
/// A merge takes the staged rows up to ``through`` and moves them in slices, each its own transaction: into `events`
/// in key order (name, unit, time, uuid) and into the `event_uuids` ledger in uuid order. ``key`` is the last key
/// moved into `events` and ``ledgerUUID`` the last uuid moved into the ledger, so the staged rows up to ``through``
/// with a key after ``key`` are the ones still pending (the view `events_pending`). The rows leave `events_staged`
/// when both sweeps are done, in the transaction of the last slice.
struct MergeProgress: Equatable {
    /// The key of an event row in `events`: name id, unit id, time, uuid, compared in that order.
    struct Key: Comparable, Sendable {
        var nameID: Int64
        var unitID: Int64
        var ts: Int64
        var uuid: UUIDKey

        /// Before every key (name ids start at 1).
        static let start = Key(nameID: 0, unitID: 0, ts: 0, uuid: UUIDKey(high: 0, low: 0))

        static func < (a: Key, b: Key) -> Bool {
            (a.nameID, a.unitID, a.ts) != (b.nameID, b.unitID, b.ts) ? (a.nameID, a.unitID, a.ts) < (b.nameID, b.unitID, b.ts) : a.uuid < b.uuid
        }
    }

    /// Tells one merge from the next: a writer's sorted copies belong to one merge.
    var mergeID: Int64
    /// The staged rows being merged: rowids up to this.
    var through: Int64
    /// The last key moved into `events` (``Key/start`` before the first slice).
    var key: Key
    /// The last uuid moved into the ledger (`nil` before the first slice).
    var ledgerUUID: UUIDKey?

    /// The merge in progress, if any.
    static func fetch(_ db: Database) throws -> MergeProgress? {
        try Row.fetchOne(db, sql: "SELECT merge_id, through, name_id, unit_id, ts, uuid, ledger_uuid FROM merge_progress").map(Self.init(row:))
    }

    init(mergeID: Int64, through: Int64, key: Key = .start, ledgerUUID: UUIDKey? = nil) {
        self.mergeID = mergeID
        self.through = through
        self.key = key
        self.ledgerUUID = ledgerUUID
    }

    /// Reads the row. The uuids are blobs of 16 bytes, or empty where none was recorded: the start key's, and the
    /// ledger's before its first slice.
    init(row: Row) {
        mergeID = row[0]
        through = row[1]
        let uuid: Data = row[5]
        key = Key(nameID: row[2], unitID: row[3], ts: row[4], uuid: uuid.count == 16 ? UUIDKey(data: uuid) : Key.start.uuid)
        let ledger: Data = row[6]
        ledgerUUID = ledger.count == 16 ? UUIDKey(data: ledger) : nil
    }

    /// Records a new merge.
    func insert(_ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO merge_progress (id, merge_id, through, name_id, unit_id, ts, uuid, ledger_uuid) VALUES (1, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [mergeID, through, key.nameID, key.unitID, key.ts, key.uuid.data, ledgerUUID?.data ?? Data()])
    }

    /// Records how far this merge has gone.
    func update(_ db: Database) throws {
        try db.execute(sql: "UPDATE merge_progress SET name_id = ?, unit_id = ?, ts = ?, uuid = ?, ledger_uuid = ? WHERE merge_id = ?",
                       arguments: [key.nameID, key.unitID, key.ts, key.uuid.data, ledgerUUID?.data ?? Data(), mergeID])
    }
}
