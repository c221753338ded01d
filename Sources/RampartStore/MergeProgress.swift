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
    /// The key of an event row: name id, unit id, time, uuid.
    struct Key: Equatable {
        var nameID: Int64
        var unitID: Int64
        var ts: Int64
        var uuid: Data

        /// Before every key (name ids start at 1).
        static let start = Key(nameID: 0, unitID: 0, ts: 0, uuid: Data())
    }

    /// Tells one merge from the next: a writer's sorted copies belong to one merge.
    var mergeID: Int64
    /// The staged rows being merged: rowids up to this.
    var through: Int64
    /// The last key moved into `events` (``Key/start`` before the first slice).
    var key: Key
    /// The last uuid moved into the ledger (empty before the first slice).
    var ledgerUUID: Data

    /// The merge in progress, if any.
    static func fetch(_ db: Database) throws -> MergeProgress? {
        try Row.fetchOne(db, sql: "SELECT merge_id, through, name_id, unit_id, ts, uuid, ledger_uuid FROM merge_progress").map(Self.init(row:))
    }

    init(mergeID: Int64, through: Int64, key: Key = .start, ledgerUUID: Data = Data()) {
        self.mergeID = mergeID
        self.through = through
        self.key = key
        self.ledgerUUID = ledgerUUID
    }

    init(row: Row) {
        mergeID = row[0]
        through = row[1]
        key = Key(nameID: row[2], unitID: row[3], ts: row[4], uuid: row[5])
        ledgerUUID = row[6]
    }

    /// Records a new merge.
    func insert(_ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO merge_progress (id, merge_id, through, name_id, unit_id, ts, uuid, ledger_uuid) VALUES (1, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [mergeID, through, key.nameID, key.unitID, key.ts, key.uuid, ledgerUUID])
    }

    /// Records how far this merge has gone.
    func update(_ db: Database) throws {
        try db.execute(sql: "UPDATE merge_progress SET name_id = ?, unit_id = ?, ts = ?, uuid = ?, ledger_uuid = ? WHERE merge_id = ?",
                       arguments: [key.nameID, key.unitID, key.ts, key.uuid, ledgerUUID, mergeID])
    }
}
