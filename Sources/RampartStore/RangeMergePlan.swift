import Foundation
import GRDB
import GRDBSQLite

/// The order in which a merge moves its staged rows: their rowids sorted by key (name, unit, time, uuid) for
/// `events`, and sorted by uuid for the ledger, with the key and the uuid at each position to record how far the
/// merge went (``MergeProgress``).
///
/// It is read and sorted on a reading connection (``build(_:progress:)``), so the writer is not held while a merge
/// starts; each slice then moves rows by rowid and uuids from the plan. A plan belongs to one ``MergeProgress``:
/// when the recorded progress is another (another process moved the merge on, or a slice did not commit), the plan is built again from it.
struct RangeMergePlan: Sendable {
    typealias Key = MergeProgress.Key

    /// The progress the plan starts from or has reached.
    var progress: MergeProgress
    /// Rowids of the rows still to move into `events`, in key order, with their keys.
    var byKey: [(rowid: Int64, key: Key)]
    /// Rowids of the rows whose uuids are still to move into the ledger, in uuid order, with their uuids.
    var byUUID: [(rowid: Int64, uuid: UUIDKey)]
    /// How many of each have moved.
    var keyPosition = 0
    var uuidPosition = 0

    /// Whether both sweeps are done.
    var isComplete: Bool { keyPosition == byKey.count && uuidPosition == byUUID.count }

    /// Reads the rows `progress` has still to move (rowid up to its `through`; after its key, after its ledger uuid)
    /// and sorts them.
    static func build(_ db: Database, progress: MergeProgress) throws -> RangeMergePlan {
        let select = try db.makeStatement(sql: "SELECT rowid, name_id, unit_id, ts, uuid FROM events_staged WHERE rowid <= ?")
        try select.setArguments([progress.through])
        let mark = progress.key
        let ledgerMark = progress.ledgerUUID
        var byKey: [(rowid: Int64, key: Key)] = []
        var byUUID: [(rowid: Int64, uuid: UUIDKey)] = []
        let statement = select.sqliteStatement
        var code = sqlite3_step(statement)
        while code == SQLITE_ROW {
            guard sqlite3_column_bytes(statement, 4) == 16, let bytes = sqlite3_column_blob(statement, 4) else {
                code = sqlite3_step(statement)
                continue
            }
            let rowid = sqlite3_column_int64(statement, 0)
            let uuid = UUIDKey(bytes: bytes)
            let key = Key(nameID: sqlite3_column_int64(statement, 1), unitID: sqlite3_column_int64(statement, 2), ts: sqlite3_column_int64(statement, 3), uuid: uuid)
            if mark < key { byKey.append((rowid, key)) }
            if ledgerMark.map({ $0 < uuid }) ?? true { byUUID.append((rowid, uuid)) }
            code = sqlite3_step(statement)
        }
        withExtendedLifetime(select) { _ = sqlite3_reset(statement) }
        guard code == SQLITE_DONE else { throw DatabaseError.step(code, on: db.sqliteConnection) }
        byKey.sort { $0.key < $1.key }
        byUUID.sort { $0.uuid < $1.uuid }
        return RangeMergePlan(progress: progress, byKey: byKey, byUUID: byUUID)
    }
}

extension UUIDKey {
    /// The key of a 16-byte blob.
    init(data: Data) {
        self = data.withUnsafeBytes { UUIDKey(bytes: $0.baseAddress!) }
    }

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The 16 bytes, as SQLite stores the uuid.
    var data: Data {
        var bytes = Data(count: 16)
        bytes.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: high.bigEndian, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: low.bigEndian, toByteOffset: 8, as: UInt64.self)
        }
        return bytes
    }
}
