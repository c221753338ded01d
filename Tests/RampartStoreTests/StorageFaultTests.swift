import Foundation
import GRDB
import RampartCore
@testable import RampartStore
import Testing

/// Storage that fails under the store: a full disk and failing I/O give errors that name the cause, nothing of
/// the failed write is acknowledged or stored, and the same store writes again once the cause is gone.
///
/// The real-process versions (a full tmpfs, a failing fsync injected with libfiu, a file made read-only) are in
/// tests/python/test_database_faults.py.
@Suite("Storage faults")
struct StorageFaultTests {
    /// `PRAGMA max_page_count` on the writer makes SQLite answer `SQLITE_FULL` exactly as a full disk does.
    @Test func aFullDatabaseRefusesTheWriteNamingTheCauseThenResumes() async throws {
        let path = try StoreBackend.temporaryPath()
        let store = try SQLiteEventStore(path: path)
        let first = ConcurrentAccessTests.events("a", 50)
        #expect(try await store.ingest(first).stored == 50)
        let pages = try await store.writer.write { db in try Int.fetchOne(db, sql: "PRAGMA page_count")! }
        try await store.writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA max_page_count = \(pages)") }
        do {
            _ = try await store.ingest(ConcurrentAccessTests.events("b", 20_000))
            Issue.record("a write past the end of the space was acknowledged")
        } catch let error as RampartError {
            #expect(error.code == .storageFull, "\(error)")
            #expect(error.message.contains("the disk holding the database is full"), "\(error.message)")
            #expect(error.message.contains("free space and retry"), "\(error.message)")
        }
        #expect(try await store.eventCount() == 50)
        // Space comes back: the same store (no restart) stores the events, and the earlier ones are all there once.
        try await store.writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA max_page_count = 1073741823") }
        let again = ConcurrentAccessTests.events("c", 20_000)
        #expect(try await store.ingest(again).stored == 20_000)
        #expect(try await store.ingest(first).duplicates == 50)
        #expect(try await store.eventCount() == 20_050)
        let check = try await store.writer.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
        #expect(check == "ok")
    }

    @Test func failuresNameTheirCause() {
        let fsync = WriteFailure(error: DatabaseError(resultCode: .SQLITE_IOERR_FSYNC), systemErrno: EIO).rampartError("storing events")
        #expect(fsync.code == .storage)
        #expect(fsync.message.hasPrefix("storing events failed: the operating system could not sync the database to disk (fsync)"), "\(fsync.message)")
        #expect(fsync.message.contains("nothing was acknowledged") && fsync.message.contains("1034"), "\(fsync.message)")
        let full = WriteFailure(error: DatabaseError(resultCode: .SQLITE_FULL), systemErrno: ENOSPC).rampartError("storing events")
        #expect(full.code == .storageFull)
        #expect(full.message.contains("is full") && full.message.contains("No space left on device"), "\(full.message)")
        // A full shared-memory index is an I/O error with ENOSPC: still a full disk.
        let shm = WriteFailure(error: DatabaseError(resultCode: .SQLITE_IOERR_SHMSIZE), systemErrno: ENOSPC).rampartError("merging")
        #expect(shm.code == .storageFull)
        let readOnly = WriteFailure(error: DatabaseError(resultCode: .SQLITE_READONLY), systemErrno: 0).rampartError("storing events")
        #expect(readOnly.code == .storage && readOnly.message.contains("the database is read-only"), "\(readOnly.message)")
    }
}
