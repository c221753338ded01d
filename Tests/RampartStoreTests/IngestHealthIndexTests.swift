import Foundation
import GRDB
import Testing
import RampartCore
@testable import RampartStore

/// The ingest health page's volume and latest-event queries read a range per name (SQLite: of its per-minute and
/// per-day counts; PostgreSQL: of `events (name_id, ts)`), never the whole events table, and count every stored
/// event once whichever way it was stored (staged, merged, straight into `events`).
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

        // Whole buckets: from the minute holding `since` to the one holding the last moment before `until` (the
        // test's epoch is 40 s into a minute, so that is minutes 18–22).
        let window = try await store.eventCounts(since: at(18 * 60), until: at(22 * 60), bucketSeconds: 60)
        #expect(window.filter { $0.name == "llm_request_completed" }.map(\.count) == [1, 1, 1, 1, 1], "minutes 18–22, merged and staged")
        #expect(!window.contains { $0.name == "support_ticket_resolved" }, "outside the window")
        let hour = try await store.eventCounts(since: at(0), until: at(3600), bucketSeconds: 3600)
        #expect(hour.map(\.count) == [25, 1])

        let latest = try await store.latestEvents()
        #expect(latest == [
            LatestEvent(name: "llm_request_completed", at: at(24 * 60), total: 25),
            LatestEvent(name: "support_ticket_resolved", at: at(5 * 60 + 1), total: 1),
        ])
    }

    @Test func sqliteReadsItsCountsNotTheEvents() async throws {
        let store = try SQLiteEventStore(inMemoryWith: .init(cacheSizeMiB: 8))
        _ = try await store.ingest([event("llm_request_completed", "u1", 0)])
        let reads: [(String, [JSONValue])] = [
            (SQLiteEventStore.eventCountsSQL(table: "event_minutes", slot: "minute", unit: 60_000), [.number(60_000), .number(0), .number(10)]),
            (SQLiteEventStore.eventCountsSQL(table: "event_days", slot: "day", unit: 86_400_000), [.number(86_400_000), .number(0), .number(10)]),
            (SQLiteEventStore.latestEventsSQL, []),
        ]
        for (sql, arguments) in reads {
            let plan = try await store.rows("EXPLAIN QUERY PLAN " + sql, arguments: arguments).compactMap { $0.last.flatMap { if case .string(let s) = $0 { s } else { nil } } }
            #expect(!plan.contains { $0.contains(" events") || $0.contains("events_staged") }, "\(plan)")
            let counts = plan.filter { $0.contains("event_minutes") || $0.contains("event_days") || $0.contains(" c ") || $0.contains(" d ") }
            #expect(counts.contains { $0.hasPrefix("SEARCH") && $0.contains("PRIMARY KEY") && $0.contains("name_id=?") }, "\(plan)")
            #expect(!counts.contains { $0.hasPrefix("SCAN") }, "\(plan)")
        }
        #expect(try await store.rows("SELECT name FROM sqlite_master WHERE name = 'events_name_ts'").isEmpty, "the index is gone")
        await #expect(throws: RampartError.self) { try await store.eventCounts(since: at(0), until: at(60), bucketSeconds: 90) }
    }

    /// Per minute and per day, and the latest per name, equal what the stored events say (counted here), after
    /// staged, merged and replayed batches (the large batch that goes straight into `events` on SQLite:
    /// `MergeSliceTests.aLargeBatchDuringAMergeGoesStraightIntoEvents`). Small, as it runs on PostgreSQL too.
    @Test(arguments: StoreBackend.allCases)
    func theCountsMatchTheEventsHoweverTheyWereStored(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let health = try #require(store as? any IngestHealthStore)
        var random = TestRandom(state: 12)
        let names = ["llm_request_completed", "llm_task_completed", "support_ticket_resolved"]
        let events = (0..<4_000).map { _ in event(names[random.int(0..<names.count)], "u\(random.int(0..<900))", Double(random.int(0..<(3 * 86_400)))) }
        _ = try await store.ingest(Array(events[0..<1_000]))
        if let sqlite = store as? SQLiteEventStore { try await sqlite.mergeStagedEvents() }
        _ = try await store.ingest(Array(events[1_000..<1_500]))
        #expect(try await store.ingest(Array(events[1_500..<4_000])).stored == 2_500)
        #expect(try await store.ingest(Array(events[0..<2_000])).duplicates == 2_000, "a replay counts nothing")

        let width = 60.0, since = at(3_600), until = at(3 * 3_600)
        var expected: [String: [Date: Int]] = [:]
        let first = (since.timeIntervalSince1970 / width).rounded(.down) * width
        let last = ((until.timeIntervalSince1970 - 0.001) / width).rounded(.down) * width
        for e in events {
            let bucket = (e.timestamp.timeIntervalSince1970 / width).rounded(.down) * width
            if bucket >= first && bucket <= last { expected[e.name, default: [:]][Date(timeIntervalSince1970: bucket), default: 0] += 1 }
        }
        let perMinute = try await health.eventCounts(since: since, until: until, bucketSeconds: 60)
        #expect(Dictionary(grouping: perMinute, by: \.name).mapValues { Dictionary(uniqueKeysWithValues: $0.map { ($0.start, $0.count) }) } == expected)
        let perDay = try await health.eventCounts(since: at(-86_400), until: at(4 * 86_400), bucketSeconds: 86_400)
        for name in names {
            #expect(perDay.filter { $0.name == name }.map(\.count).reduce(0, +) == events.filter { $0.name == name }.count)
        }
        let latest = try await health.latestEvents()
        #expect(latest.map(\.name) == names.sorted())
        for entry in latest {
            #expect(entry.at == events.filter { $0.name == entry.name }.map(\.timestamp).max())
            #expect(entry.total == events.filter { $0.name == entry.name }.count)
        }
    }

    /// A database from before the counts (schema v4, with the index) gets them from its merged and staged events
    /// when it is opened, and loses the index.
    @Test func theMigrationCountsTheEventsAlreadyStored() async throws {
        let path = try StoreBackend.temporaryPath()
        do {
            let queue = try DatabaseQueue(path: path)
            try SQLiteEventStore.migrator.migrate(queue, upTo: "v4 events by name and time")
            try await queue.write { db in
                try db.execute(sql: """
                    INSERT INTO event_names (id, name) VALUES (1, 'a'), (2, 'b');
                    INSERT INTO units (id, key) VALUES (1, 'u1');
                    INSERT INTO events (name_id, unit_id, ts, uuid) VALUES (1, 1, 1780000000000, x'01'), (1, 1, 1780000030000, x'02'),
                        (1, 1, 1780000090000, x'03'), (2, 1, 1780086400000, x'04');
                    INSERT INTO events_staged (name_id, unit_id, ts, uuid) VALUES (2, 1, 1780086460000, x'05');
                    """)
            }
        }
        let store = try SQLiteEventStore(path: path)
        #expect(try await store.rows("SELECT name FROM sqlite_master WHERE name = 'events_name_ts'").isEmpty)
        let minutes = try await store.rows("SELECT name_id, minute, n FROM event_minutes ORDER BY 1, 2").map { $0.map(\.numberValue) }
        #expect(minutes == [[1, 29_666_666, 1], [1, 29_666_667, 1], [1, 29_666_668, 1], [2, 29_668_106, 1], [2, 29_668_107, 1]])
        let latest = try await store.latestEvents()
        #expect(latest.map(\.at) == [Date(timeIntervalSince1970: 1_780_000_090), Date(timeIntervalSince1970: 1_780_086_460)])
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
