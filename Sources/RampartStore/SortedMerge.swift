import Foundation
import GRDB

/// The writer's sorted copies of the rows a merge still has to move, kept on its connection in the temporary
/// schema: `temp.merge_rows` (the staged rows in key order; rowid = position), `temp.merge_uuids` (their uuids in
/// uuid order) and `temp.merge_state` (this record: the progress they started from or reached, and the positions).
///
/// They are built once per merge (``build(_:_:)``), again when the writer no longer has them (a new process) or the
/// recorded progress is not the one they reached (another process merged slices meanwhile); they change only inside
/// the merge's transactions, so a rollback takes them back with the progress.
struct SortedMerge {
    /// The progress the copies have reached.
    var progress: MergeProgress
    /// Rows of `temp.merge_rows` moved into `events`, and how many it has.
    var keyPosition: Int
    var keyCount: Int
    /// Uuids of `temp.merge_uuids` moved into the ledger, and how many it has.
    var uuidPosition: Int
    var uuidCount: Int

    /// The writer's copies, if it has them.
    static func fetch(_ db: Database) throws -> SortedMerge? {
        guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM sqlite_temp_master WHERE name = 'merge_state')") == true,
              let row = try Row.fetchOne(db, sql: """
                  SELECT merge_id, through, name_id, unit_id, ts, uuid, ledger_uuid, key_position, key_count, uuid_position, uuid_count
                  FROM temp.merge_state
                  """)
        else { return nil }
        return SortedMerge(progress: MergeProgress(row: row), keyPosition: row[7], keyCount: row[8], uuidPosition: row[9], uuidCount: row[10])
    }

    /// Sorts the rows `progress` has still to move (up to its `through`, after its key; after its ledger uuid).
    static func build(_ db: Database, _ progress: MergeProgress) throws -> SortedMerge {
        try drop(db)
        let columns = SQLiteEventStore.eventColumns
        let key = progress.key
        try db.execute(sql: "CREATE TEMP TABLE merge_rows AS SELECT \(columns) FROM main.events_staged WHERE 0")
        try db.execute(sql: """
            INSERT INTO temp.merge_rows SELECT \(columns) FROM main.events_staged
            WHERE rowid <= ? AND (name_id, unit_id, ts, uuid) > (?, ?, ?, ?) ORDER BY name_id, unit_id, ts, uuid
            """, arguments: [progress.through, key.nameID, key.unitID, key.ts, key.uuid])
        let keyCount = db.changesCount
        try db.execute(sql: "CREATE TEMP TABLE merge_uuids (uuid BLOB NOT NULL)")
        try db.execute(sql: "INSERT INTO temp.merge_uuids SELECT uuid FROM main.events_staged WHERE rowid <= ? AND uuid > ? ORDER BY uuid",
                       arguments: [progress.through, progress.ledgerUUID])
        let merge = SortedMerge(progress: progress, keyPosition: 0, keyCount: keyCount, uuidPosition: 0, uuidCount: db.changesCount)
        try db.execute(sql: """
            CREATE TEMP TABLE merge_state (
                merge_id INTEGER NOT NULL, through INTEGER NOT NULL, name_id INTEGER NOT NULL, unit_id INTEGER NOT NULL, ts INTEGER NOT NULL,
                uuid BLOB NOT NULL, ledger_uuid BLOB NOT NULL, key_position INTEGER NOT NULL, key_count INTEGER NOT NULL,
                uuid_position INTEGER NOT NULL, uuid_count INTEGER NOT NULL
            )
            """)
        try db.execute(sql: "INSERT INTO temp.merge_state VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", arguments: merge.arguments)
        return merge
    }

    /// Records the positions and the progress reached.
    func save(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM temp.merge_state")
        try db.execute(sql: "INSERT INTO temp.merge_state VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", arguments: arguments)
    }

    /// Drops the copies.
    static func drop(_ db: Database) throws {
        try db.execute(sql: "DROP TABLE IF EXISTS temp.merge_rows; DROP TABLE IF EXISTS temp.merge_uuids; DROP TABLE IF EXISTS temp.merge_state")
    }

    private var arguments: StatementArguments {
        let key = progress.key
        return [progress.mergeID, progress.through, key.nameID, key.unitID, key.ts, key.uuid, progress.ledgerUUID,
                keyPosition, keyCount, uuidPosition, uuidCount]
    }
}
