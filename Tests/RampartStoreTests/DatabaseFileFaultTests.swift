import Foundation
import RampartCore
@testable import RampartStore
import Testing

/// The database file removed or replaced under a running store: writes are refused with a clear error instead of
/// being acknowledged into a file no later process opens; reads of what was stored keep working.
@Suite("Database file faults")
struct DatabaseFileFaultTests {
    @Test func aRemovedFileRefusesWritesAndKeepsReads() async throws {
        let path = try StoreBackend.temporaryPath()
        let store = try SQLiteEventStore(path: path)
        #expect(try await store.ingest(ConcurrentAccessTests.events("a", 10)).stored == 10)
        try FileManager.default.removeItem(atPath: path)
        do {
            _ = try await store.ingest(ConcurrentAccessTests.events("b", 10))
            Issue.record("events were acknowledged into a removed database file")
        } catch let error as RampartError {
            #expect(error.code == .storage)
            #expect(error.message.contains("was removed") && error.message.contains(path), "\(error.message)")
        }
        #expect(try await store.eventCount() == 10)
    }

    @Test func aReplacedFileRefusesWrites() async throws {
        let path = try StoreBackend.temporaryPath()
        let store = try SQLiteEventStore(path: path)
        #expect(try await store.ingest(ConcurrentAccessTests.events("a", 5)).stored == 5)
        let other = try StoreBackend.temporaryPath()
        _ = try SQLiteEventStore(path: other)
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: other, toPath: path)
        await #expect(throws: RampartError.self) { try await store.ingest(ConcurrentAccessTests.events("b", 5)) }
        do {
            try await store.mergeStagedEvents()
            Issue.record("a merge wrote into a replaced database file")
        } catch let error as RampartError {
            #expect(error.message.contains("was replaced"), "\(error.message)")
        }
    }
}
