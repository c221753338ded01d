import GRDB
import GRDBSQLite
import Synchronization

/// The page caches of one ``SQLiteEventStore``'s connections, as each connection last recorded it (``record(_:)``),
/// summed by kind for `/metrics` (``usage()``).
///
/// GRDB opens its connections without a mutex of their own (SQLite's multi-thread mode) and uses each on one queue
/// only, so another thread must not ask a connection anything. Each connection therefore records its own cache, with
/// `sqlite3_db_status(SQLITE_DBSTATUS_CACHE_USED)` (answered whether or not SQLite's memory statistics are on;
/// ``SQLiteProcessSettings`` turns those off), at the end of each of the store's reads and writes. What a connection
/// holds changes only while it is used, so the last record is what it holds now.
final class ConnectionCaches: Sendable {
    /// The last record of each connection, by handle address (`OpaquePointer` is not `Sendable`).
    private let recorded = Mutex<[UInt: (readOnly: Bool, bytes: Int)]>([:])

    init() {}

    /// Records what a connection's page cache holds now; call it on the connection's queue, inside a use of it.
    ///
    /// - Parameter db: The connection.
    func record(_ db: Database) {
        guard let handle = db.sqliteConnection else { return }
        var current: Int32 = 0, highest: Int32 = 0
        guard sqlite3_db_status(handle, SQLITE_DBSTATUS_CACHE_USED, &current, &highest, 0) == SQLITE_OK else { return }
        let address = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(handle)))
        let entry = (readOnly: db.configuration.readonly, bytes: Int(current))
        recorded.withLock { $0[address] = entry }
    }

    /// What the writing connection's and the reading connections' page caches held at their last use.
    ///
    /// - Returns: `writer` then `readers`, each with the number of connections recorded.
    func usage() -> [StoreCacheMemory] {
        let entries = recorded.withLock { Array($0.values) }
        var writer = StoreCacheMemory(connections: "writer", count: 0, bytes: 0)
        var readers = StoreCacheMemory(connections: "readers", count: 0, bytes: 0)
        for entry in entries {
            if entry.readOnly {
                readers.count += 1
                readers.bytes += entry.bytes
            } else {
                writer.count += 1
                writer.bytes += entry.bytes
            }
        }
        return [writer, readers]
    }
}
