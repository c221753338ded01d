import Foundation
import Testing
import RampartCore
import RampartStore

/// The stored-event counts (the console overview's change marker), run against every backend: they count each new
/// event once, ignore duplicates, and are not moved by SQLite's merge of staged events.
@Suite("Stored event counts")
struct StoredEventCountsTests {
    @Test(arguments: StoreBackend.allCases)
    func countsGrowWithNewEventsOnlyAndSurviveTheMerge(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        #expect(try await store.storedEventCounts().isEmpty)
        let first = [exposure("u1", 0, "control"), exposure("u2", 1, "treatment"), event("support_ticket_resolved", "u1", 2)]
        _ = try await store.ingest(first)
        #expect(try await store.storedEventCounts() == [EventName.exposure: 2, "support_ticket_resolved": 1])

        // The same events again (a retried batch) are duplicates: nothing moves.
        let again = try await store.ingest(first)
        #expect(again.stored == 0)
        #expect(try await store.storedEventCounts() == [EventName.exposure: 2, "support_ticket_resolved": 1])

        // A new event of one name moves only that name's count.
        _ = try await store.ingest([event("support_ticket_resolved", "u2", 3), first[2]])
        #expect(try await store.storedEventCounts() == [EventName.exposure: 2, "support_ticket_resolved": 2])

        if let sqlite = store as? SQLiteEventStore {
            try await sqlite.mergeStagedEvents()
            #expect(try await store.storedEventCounts() == [EventName.exposure: 2, "support_ticket_resolved": 2], "the merge moves events, it stores none")
        }
        #expect(try await store.eventCount() == 4)
    }

    @Test(arguments: StoreBackend.allCases)
    func concurrentBatchesAreAllCounted(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for b in 0..<8 {
                group.addTask {
                    _ = try await store.ingest((0..<25).map { event("support_ticket_resolved", "u\(b)-\($0)", Double($0)) })
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.storedEventCounts()["support_ticket_resolved"] == 200)
    }

    /// A store written before the counts existed gets them from its events when it is opened (migration "v4 stored
    /// event counts"), staged and merged events alike.
    @Test func openingAnOlderSQLiteStoreCountsItsEvents() async throws {
        let path = try StoreBackend.temporaryPath()
        do {
            let store = try SQLiteEventStore(path: path, configuration: .init(cacheSizeMiB: 8, stagedEventLimit: 1_000_000))
            _ = try await store.ingest((0..<30).map { event("llm_request_completed", "u\($0)", Double($0)) })
            try await store.mergeStagedEvents()
            _ = try await store.ingest((0..<7).map { exposure("u\($0)", Double($0), "control") })
            try await store.execute("""
                DROP TABLE event_name_counts;
                DELETE FROM grdb_migrations WHERE identifier = 'v4 stored event counts';
                """)
        }
        let reopened = try SQLiteEventStore(path: path, configuration: .init(cacheSizeMiB: 8))
        #expect(try await reopened.storedEventCounts() == ["llm_request_completed": 30, EventName.exposure: 7])
    }

    @Test(.enabled(if: StoreBackend.postgresURL != nil)) func openingAnOlderPostgreSQLStoreCountsItsEvents() async throws {
        let url = try await PostgresEventStore.createScratchDatabase(on: StoreBackend.postgresURL!, prefix: "rampart_test")
        do {
            let store = try await PostgresEventStore(url: url, maximumConnections: 2, operationTimeout: StoreBackend.postgresTimeout)
            _ = try await store.ingest((0..<30).map { event("llm_request_completed", "u\($0)", Double($0)) })
            try await store.execute("""
                DROP TABLE event_name_counts;
                DELETE FROM rampart_migrations WHERE name = 'v4 stored event counts';
                """)
        }
        let reopened = try await PostgresEventStore(url: url, maximumConnections: 2, operationTimeout: StoreBackend.postgresTimeout)
        #expect(try await reopened.storedEventCounts() == ["llm_request_completed": 30])
    }
}
