import Foundation
import RampartCore
@testable import RampartStore
import Testing

/// The merge of staged events in slices (issue 12, "Sustained load"): each slice is its own transaction, moves the
/// oldest staged rows, keeps every event exactly once and the in-memory staged set right; the merge that follows a
/// full log stops at half the limit instead of emptying it in one long transaction.
@Suite("Merge in slices")
struct MergeSliceTests {
    static func count(_ store: SQLiteEventStore, _ table: String) async throws -> Int {
        Int(try await store.rows("SELECT count(*) FROM \(table)").first?.first?.numberValue ?? -1)
    }

    @Test func aSliceMovesTheOldestStagedEventsAndKeepsEachOnce() async throws {
        var configuration = SQLiteEventStore.Configuration(stagedEventLimit: 1_000_000)
        configuration.mergeSliceEvents = 4_000
        let store = try SQLiteEventStore(path: try StoreBackend.temporaryPath(), configuration: configuration)
        let events = ConcurrentAccessTests.events("s", 25_000)
        for start in stride(from: 0, to: events.count, by: 1_000) {
            #expect(try await store.ingest(Array(events[start..<start + 1_000])).stored == 1_000)
        }
        #expect(try await Self.count(store, "events_staged") == 25_000)
        #expect(try await store.mergeSlice(4_000) == 4_000)
        #expect(try await Self.count(store, "events_staged") == 21_000)
        #expect(try await Self.count(store, "events") == 4_000)
        #expect(try await Self.count(store, "event_uuids") == 4_000)
        #expect(try await store.eventCount() == 25_000)
        #expect(store.stagedCount.load(ordering: .acquiring) == 21_000)
        // Both the merged and the still staged events are known: a replay stores nothing.
        for start in stride(from: 0, to: events.count, by: 5_000) {
            #expect(try await store.ingest(Array(events[start..<start + 5_000])).duplicates == 5_000)
        }
        try await store.mergeStagedEvents()
        #expect(try await Self.count(store, "events_staged") == 0)
        #expect(try await Self.count(store, "events") == 25_000)
        #expect(try await store.mergeSlice(4_000) == 0)
    }

    @Test func aFullLogIsMergedDownToHalfTheLimitInSlices() async throws {
        var configuration = SQLiteEventStore.Configuration(stagedEventLimit: 10_000)
        configuration.mergeSliceEvents = 1_000
        let store = try SQLiteEventStore(path: try StoreBackend.temporaryPath(), configuration: configuration)
        let events = ConcurrentAccessTests.events("h", 10_000)
        for start in stride(from: 0, to: events.count, by: 500) {
            #expect(try await store.ingest(Array(events[start..<start + 500])).stored == 500)
        }
        // The merge runs after the commit that reached the limit, once its caller was answered.
        for _ in 0..<500 where store.merging.load(ordering: .acquiring) || store.stagedCount.load(ordering: .acquiring) >= 10_000 {
            try await Task.sleep(for: .milliseconds(10))
        }
        let staged = try await Self.count(store, "events_staged")
        #expect(staged > 0 && staged <= 5_000, "\(staged) events staged: the merge did not stop at half the limit")
        #expect(try await Self.count(store, "events") == 10_000 - staged)
        #expect(try await store.eventCount() == 10_000)
    }
}
