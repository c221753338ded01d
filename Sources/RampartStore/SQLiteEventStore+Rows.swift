import Foundation
import GRDB
import GRDBSQLite

extension SQLiteEventStore {
    /// The columns of an event row: fixed columns, typed columns, then `props`.
    static let rowColumns = ["name_id", "unit_id", "ts", "uuid"] + EventColumns.typed.map(\.name) + ["props"]
    /// Rows per `INSERT` on the hot path: one statement execution (cursor opening, `VALUES` evaluation setup,
    /// halting) then serves several events.
    static let rowsPerInsert = 16

    /// The `INSERT` of `rows` events: into the clustered `events` table with `direct`, else into `events_staged`.
    ///
    /// Every row is new (the ledger or the staged set has just said so), and the caller checks that each one was
    /// stored. `OR IGNORE` is what lets SQLite run a multi-row statement without a statement journal (no
    /// constraint can abort it halfway): with the default `ABORT`, it first copies every page the statement
    /// touches, which made the statement slower than one row at a time (docs/performance.md).
    static func insertSQL(rows: Int, direct: Bool) -> String {
        (direct ? directInserts : stagedInserts)[rows - 1]
    }

    /// The texts of ``insertSQL(rows:direct:)`` for 1 to ``rowsPerInsert`` rows.
    private static let directInserts = (1...rowsPerInsert).map { makeInsertSQL(rows: $0, direct: true) }
    private static let stagedInserts = (1...rowsPerInsert).map { makeInsertSQL(rows: $0, direct: false) }

    private static func makeInsertSQL(rows: Int, direct: Bool) -> String {
        let row = "(" + Array(repeating: "?", count: rowColumns.count).joined(separator: ", ") + ")"
        let values = Array(repeating: row, count: rows).joined(separator: ", ")
        let table = direct ? "events" : "events_staged"
        return "INSERT OR IGNORE INTO \(table) (\(rowColumns.joined(separator: ", "))) VALUES \(values)"
    }

    /// Inserts the given events of a batch, ``rowsPerInsert`` per statement, and checks that every row was stored.
    ///
    /// - Parameters:
    ///   - rows: The events to store (indices into the batch), in the order to insert them.
    ///   - batch: The batch.
    ///   - nameIDs: The id of each of the batch's distinct names (by name slot).
    ///   - unitIDs: The id of each of the batch's distinct units (by unit slot).
    ///   - direct: Into `events` rather than `events_staged`.
    ///   - db: The connection, inside the transaction.
    func insertRows(_ rows: [Int], of batch: EncodedBatch, nameIDs: [Int64], unitIDs: [Int64], direct: Bool, db: Database) throws {
        let connection = db.sqliteConnection
        try batch.text.withUnsafeBufferPointer { textBuffer in
            let text = UnsafeRawPointer(textBuffer.baseAddress ?? UnsafePointer(bitPattern: 1)!).assumingMemoryBound(to: CChar.self)
            let full = try db.cachedStatement(sql: Self.insertSQL(rows: Self.rowsPerInsert, direct: direct)).sqliteStatement
            var next = 0
            while next < rows.count {
                let count = min(Self.rowsPerInsert, rows.count - next)
                let statement = count == Self.rowsPerInsert
                    ? full : try db.cachedStatement(sql: Self.insertSQL(rows: count, direct: direct)).sqliteStatement
                defer {
                    sqlite3_reset(statement)
                    sqlite3_clear_bindings(statement)
                }
                for (r, i) in rows[next..<(next + count)].enumerated() {
                    let base = Int32(r * Self.rowColumns.count)
                    var uuid = batch.uuids[i]
                    sqlite3_bind_int64(statement, base + 1, nameIDs[Int(batch.nameSlots[i])])
                    sqlite3_bind_int64(statement, base + 2, unitIDs[Int(batch.unitSlots[i])])
                    sqlite3_bind_int64(statement, base + 3, batch.timestamps[i])
                    withUnsafeBytes(of: &uuid) { raw in
                        _ = sqlite3_bind_blob(statement, base + 4, raw.baseAddress, 16, SQLITE_TRANSIENT)
                    }
                    for b in batch.binds[batch.bindStarts[i]..<batch.bindStarts[i + 1]] {
                        switch b.kind {
                        case .integer: sqlite3_bind_int64(statement, base + b.column, b.integer)
                        case .real: sqlite3_bind_double(statement, base + b.column, b.real)
                        case .text: sqlite3_bind_text(statement, base + b.column, text + Int(b.textStart), b.textCount, nil)
                        }
                    }
                }
                let code = sqlite3_step(statement)
                guard code == SQLITE_DONE else { throw DatabaseError.step(code, on: connection) }
                // Every row is new (the ledger or the staged set just said so): anything else is a damaged store.
                guard sqlite3_changes(connection) == count else {
                    throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "events holds a uuid the event_uuids ledger does not")
                }
                next += count
            }
        }
    }
}
