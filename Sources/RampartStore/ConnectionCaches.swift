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
    /// What a reading connection may keep in its page cache after a read when ``releasesReaderCaches`` is on: the
    /// schema and the tables' top pages, which point reads use again, but not an analysis' pages.
    static let readerKeepBytes = 1 << 20

    /// The last record of each connection, by handle address (`OpaquePointer` is not `Sendable`).
    private let recorded = Mutex<[UInt: (readOnly: Bool, bytes: Int)]>([:])
    /// Whether reading connections give back their caches after a read that filled them past ``readerKeepBytes``
    /// (``SQLiteEventStore/Configuration/releasesReaderCaches``).
    let releasesReaderCaches: Bool

    /// - Parameter releasesReaderCaches: Whether reading connections give back their caches after large reads.
    init(releasesReaderCaches: Bool = false) {
        self.releasesReaderCaches = releasesReaderCaches
    }

    /// Records what a connection's page cache holds now, after giving it back if it is a reading connection's and
    /// holds more than ``readerKeepBytes`` when ``releasesReaderCaches`` is on; call it on the connection's queue,
    /// inside a use of it (SQLite gives back only the pages no statement holds).
    ///
    /// - Parameter db: The connection.
    func record(_ db: Database) {
        guard let handle = db.sqliteConnection else { return }
        let readOnly = db.configuration.readonly
        guard var bytes = Self.cacheUsed(handle) else { return }
        if readOnly, releasesReaderCaches, bytes > Self.readerKeepBytes {
            sqlite3_db_release_memory(handle)
            bytes = Self.cacheUsed(handle) ?? bytes
        }
        let address = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(handle)))
        recorded.withLock { $0[address] = (readOnly, bytes) }
    }

    /// The bytes a connection's page cache holds (`SQLITE_DBSTATUS_CACHE_USED`), or `nil` when SQLite does not say.
    private static func cacheUsed(_ handle: OpaquePointer) -> Int? {
        var current: Int32 = 0, highest: Int32 = 0
        guard sqlite3_db_status(handle, SQLITE_DBSTATUS_CACHE_USED, &current, &highest, 0) == SQLITE_OK else { return nil }
        return Int(current)
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
