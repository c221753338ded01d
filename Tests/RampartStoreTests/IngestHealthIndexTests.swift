import Foundation
import Testing
import RampartCore
@testable import RampartStore

/// The ingest health page's volume and latest-event queries read a range of `events (name_id, ts)` per name, not
/// the whole events table, and stay correct across merged and staged events.
@Suite("Ingest health: bounded queries")
struct IngestHealthIndexTests {
    @Test(arguments: StoreBackend.allCases)
    func volumeAndLatestCombineMergedAndStagedEventsInTheWindowOnly(_ backend: StoreBackend) async throws {
        let base = try await backend.make()
        let store = try #require(base as? any IngestHealthStore)
        let old = (0..<20).map { event("llm_request_completed", "u\($0)", Double($0) * 60) }  // minutes 0–19
        _ = try await base.ingest(old + [event("support_ticket_resolved", "u1", 5 * 60 + 1)])
        if let sqlite = base as? SQLiteEventStore { try await sqlite.mergeStagedEvents() }
        _ = try await base.ingest((20..<25).map { event("llm_request_completed", "u\($0)", Double($0) * 60) })  // staged on SQLite

        let window = try await store.eventCounts(since: at(18 * 60), until: at(22 * 60), bucketSeconds: 60)
        #expect(window.filter { $0.name == "llm_request_completed" }.map(\.count) == [1, 1, 1, 1], "minutes 18–21, merged and staged")
        #expect(!window.contains { $0.name == "support_ticket_resolved" }, "outside the window")
        let hour = try await store.eventCounts(since: at(0), until: at(3600), bucketSeconds: 3600)
        #expect(hour.map(\.count) == [25, 1])

        let latest = try await store.latestEvents()
        #expect(latest == [
            LatestEvent(name: "llm_request_completed", at: at(24 * 60), total: 25),
            LatestEvent(name: "support_ticket_resolved", at: at(5 * 60 + 1), total: 1),
        ])
    }

    @Test func sqliteSearchesTheNameAndTimeIndex() async throws {
        let store = try SQLiteEventStore(inMemoryWith: .init(cacheSizeMiB: 8))
        _ = try await store.ingest([event("llm_request_completed", "u1", 0)])
        for (sql, arguments) in [(SQLiteEventStore.eventCountsSQL, [JSONValue.number(60_000), .number(0), .number(600_000)]), (SQLiteEventStore.latestEventsSQL, [])] {
            let plan = try await store.rows("EXPLAIN QUERY PLAN " + sql, arguments: arguments).compactMap { $0.last.flatMap { if case .string(let s) = $0 { s } else { nil } } }
            // The steps on `events` (aliased `e` or named); `events_staged` is bounded and scanned.
            let onEvents = plan.filter { $0.contains(" e ") || $0.hasSuffix(" e") || $0.contains(" events ") || $0.hasSuffix(" events") }
            #expect(onEvents.contains { $0.hasPrefix("SEARCH") && $0.contains("events_name_ts") && $0.contains("name_id=?") }, "\(plan)")
            #expect(!onEvents.contains { $0.hasPrefix("SCAN") }, "\(plan)")
        }
    }

    @Test(.enabled(if: StoreBackend.postgresURL != nil)) func postgresReadsTheNameAndTimeIndex() async throws {
        let store = try #require(try await StoreBackend.postgres.make() as? PostgresEventStore)
        let names = ["llm_request_completed", "llm_request_started", "support_ticket_resolved", "llm_task_completed"]
        _ = try await store.ingest((0..<20_000).map { i in event(names[i % names.count], "u\(i % 500)", Double(i)) })
        try await store.execute("ANALYZE events")
        let counts = try await store.rows("EXPLAIN " + PostgresEventStore.eventCountsSQL, arguments: [.number(60_000), .number(60_000), .number(0), .number(600_000)])
        let latest = try await store.rows("EXPLAIN " + PostgresEventStore.latestEventsSQL)
        for plan in [counts, latest] {
            let text = plan.compactMap { $0.first.flatMap { if case .string(let s) = $0 { s } else { nil } } }.joined(separator: "\n")
            #expect(text.contains("events_name_ts"), "\(text)")
            #expect(!text.contains("Seq Scan on events"), "\(text)")
        }
    }
}
