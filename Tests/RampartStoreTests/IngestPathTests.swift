import Foundation
import RampartCore
@testable import RampartStore
import Testing

/// The ingest path: group commit, the staging log and its merge, and the fast NDJSON/array readers.
@Suite("Ingest path")
struct IngestPathTests {
    /// Concurrent batches sharing uuids: each caller gets its own exact counts and rejection indices, and every
    /// uuid is stored once.
    @Test(arguments: StoreBackend.allCases)
    func concurrentBatchesGetTheirOwnExactResults(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let shared = (0..<20).map { i in event("support_ticket_resolved", "shared-\(i)", Double(i)) }
        let batches: [[Event]] = (0..<8).map { k in
            var batch = (0..<50).map { i in event("llm_request_completed", "u\(k)-\(i)", Double(i), ["latency_ms": .number(Double(i))]) }
            batch.insert(event("llm_request_completed", "bad-\(k)", 1, ["latency_ms": "fast"]), at: k)
            return batch + shared
        }
        let results = try await withThrowingTaskGroup(of: (Int, IngestResult).self) { group in
            for (k, batch) in batches.enumerated() {
                group.addTask { (k, try await store.ingest(batch)) }
            }
            var results: [Int: IngestResult] = [:]
            for try await (k, result) in group { results[k] = result }
            return results
        }
        for k in 0..<8 {
            let result = try #require(results[k])
            #expect(result.stored + result.duplicates == 70)
            #expect(result.stored >= 50)
            #expect(result.rejections.map(\.index) == [k])
            #expect(result.rejections.first?.field == "properties.latency_ms")
        }
        let stored: Int = results.values.map(\.stored).reduce(0, +)
        let duplicates: Int = results.values.map(\.duplicates).reduce(0, +)
        let expectedStored = 420
        #expect(stored == expectedStored)
        #expect(duplicates == 140)
        let count = try await store.eventCount()
        #expect(count == expectedStored)
    }

    /// Small batches are staged; reads see them without merging (a read never writes), replays are duplicates
    /// whether the original is staged or merged, and a reopened store (another process) sees what a previous one
    /// left staged, without merging it on open.
    @Test func stagedEventsAreVisibleAndDeduplicatedWithoutMerging() async throws {
        let path = try StoreBackend.temporaryPath()
        let configuration = SQLiteEventStore.Configuration(cacheSizeMiB: 8, stagedEventLimit: 1_000_000)
        let first = try SQLiteEventStore(path: path, configuration: configuration)
        let batch = (0..<30).map { i in event("llm_request_completed", "u\(i % 4)", Double(i)) }
        #expect(try await first.ingest(batch).stored == 30)
        #expect(try await first.eventCount() == 30)
        #expect(try await first.rows("SELECT count(*) FROM events_staged") == [[.number(30)]], "a read does not merge")
        #expect(try await first.ingest(Array(batch[..<10])).duplicates == 10)  // staged: the in-memory set has them
        try await first.mergeStagedEvents()
        #expect(try await first.ingest(Array(batch[..<10])).duplicates == 10)  // in `events` now: the ledger has them
        let more = (0..<5).map { i in event("support_ticket_resolved", "u\(i)", Double(i)) }
        #expect(try await first.ingest(more).stored == 5)
        #expect(try await first.ingest(more + more).duplicates == 10)

        // Another store on the same file (another process) stages events; the first sees them as duplicates.
        let second = try SQLiteEventStore(path: path, configuration: configuration)
        let other = (0..<3).map { i in event("support_ticket_resolved", "v\(i)", Double(i)) }
        #expect(try await second.ingest(other).stored == 3)
        #expect(try await first.ingest(other).duplicates == 3)

        let reopened = try SQLiteEventStore(path: path, configuration: configuration)
        let counts = try await reopened.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM events") ?? -1, try Int.fetchOne(db, sql: "SELECT count(*) FROM events_staged") ?? -1)
        }
        #expect(counts.0 == 30)
        #expect(counts.1 == 8, "opening merges nothing")
        #expect(try await reopened.eventCount() == 38)
        #expect(try await reopened.ingest(more + other).duplicates == 8)
    }

    /// Transactions past `directInsertThreshold` skip staging and still deduplicate against staged events.
    @Test func largeTransactionsInsertDirectly() async throws {
        let configuration = SQLiteEventStore.Configuration(cacheSizeMiB: 8, directInsertThreshold: 10)
        let store = try SQLiteEventStore(inMemoryWith: configuration)
        let small = (0..<5).map { i in event("llm_request_completed", "u\(i)", Double(i)) }
        #expect(try await store.ingest(small).stored == 5)  // staged
        let large = small + (0..<20).map { i in event("llm_request_completed", "w\(i)", Double(i)) }
        let result = try await store.ingest(large)
        #expect(result.stored == 20)
        #expect(result.duplicates == 5)
        #expect(try await store.eventCount() == 25)
    }

    /// NDJSON read by the fast path stores exactly what the full parser stores, with the same rejections.
    @Test func fastNDJSONMatchesTheFullParser() async throws {
        let lines = [
            #"{"uuid":"6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e50","event":"llm_request_completed","unit":"user-1","timestamp":"2026-06-01T10:00:00.123Z","properties":{"latency_ms":812.5,"input_tokens":12,"model":"gpt-4.1-mini","custom":"x","score":0.00041,"flag":true,"nothing":null,"prompt":"secret"}}"#,
            #"{"uuid":"6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e51","event":"support_ticket_resolved","unit":"user-2","timestamp":1780000000123}"#,
            #"{"uuid":"6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e52","event":"llm_request_completed","unit":"us\u00e9r","timestamp":"2026-06-01T10:00:00Z","properties":{"note":"caf\u00e9 \"quoted\""}}"#,
            #"{"uuid":"6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e53","event":"exposure","unit":"user-3","timestamp":"2026-06-01T10:00:00Z","properties":{"experiment":"exp","variant":"control"}}"#,
            #"{"uuid":"6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e54","event":"llm_request_completed","unit":"user-4","timestamp":"2026-06-01T10:00:00Z","properties":{"latency_ms":"fast"}}"#,
            #"{"uuid":"6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e55","event":"llm_request_completed","unit":"user-5","timestamp":"2999-06-01T10:00:00Z"}"#,
            #"{"uuid":"6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e56","event":"llm_request_completed","unit":"user-6","timestamp":"2026-06-01T10:00:00Z","properties":{"a":1,"a":2}}"#,
            #"{"uuid":"6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e57","event":"llm_request_completed","timestamp":"2026-06-01T10:00:00Z"}"#,
            #"{"uuid":"6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e58","event":"x","unit":"u","timestamp":"2026-06-01T10:00:00Z","extra":1}"#,
            #"{"uuid":"6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e59","event":"llm_request_completed","unit":"user-9","timestamp":"2026-06-01T10:00:00Z","properties":{"nested":{"prompt":"s","k":[1,2]}}}"#,
            "",
            "not json",
            #"{"uuid":"6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e50","event":"llm_request_completed","unit":"user-1","timestamp":"2026-06-01T10:00:01Z"}"# + "\r",
            #"  {"event":"llm_request_completed","unit":"user-7","uuid":"6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e5a","properties":null,"timestamp":"2026-06-01T10:00:00Z"}  "#,
        ]
        let bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
        let parser = EventParser()
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let both = try await BothPaths(bytes, firstIndex: 3, parser: parser, now: now)
        #expect(both.fastResult.stored == both.fullResult.stored)
        #expect(both.fastResult.duplicates == both.fullResult.duplicates)
        #expect(both.fastResult.rejections == both.fullResult.rejections)
        let sql = "SELECT n.name, u.key, e.* FROM events e JOIN event_names n ON n.id = e.name_id JOIN units u ON u.id = e.unit_id ORDER BY e.uuid"
        let fastRows = try await both.fast.rows(sql)
        #expect(fastRows.count == 6)
        #expect(fastRows == (try await both.full.rows(sql)))
        #expect(try await both.fast.attribution(ExperimentScope(key: "exp")).enrolledUnits == 1)
    }

    /// A JSON array of plain events is read by the fast path; one non-plain element sends the caller to the full
    /// parser with nothing stored.
    @Test func plainJSONArrays() async throws {
        let store = try SQLiteEventStore(inMemoryWith: .init(cacheSizeMiB: 8))
        let parser = EventParser()
        let plain = #"[{"uuid":"7f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e50","event":"a","unit":"u1","timestamp":"2026-06-01T10:00:00Z"}, {"uuid":"7f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e51","event":"b","unit":"u2","timestamp":"2026-06-01T10:00:00Z","properties":{"model":"m"}}]"#
        let result = try await store.ingestPlainJSONArray(Array(plain.utf8), parser: parser, now: Date())
        #expect(result?.stored == 2)
        let mixed = #"[{"uuid":"7f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e52","event":"a","unit":"u1","timestamp":"2026-06-01T10:00:00Z"},{"event":"a"}]"#
        #expect(try await store.ingestPlainJSONArray(Array(mixed.utf8), parser: parser, now: Date()) == nil)
        #expect(try await store.ingestPlainJSONArray(Array("[]".utf8), parser: parser, now: Date())?.stored == 0)
        #expect(try await store.eventCount() == 2)
    }

    /// The ledger takes each batch's uuids in uuid order; of two events sharing a uuid in one batch, the first in
    /// input order is still the one stored, on the staging path and on the direct path alike.
    @Test(arguments: [1_000_000, 10])
    func theFirstOfTwoEventsWithOneUUIDIsStored(directInsertThreshold: Int) async throws {
        let store = try SQLiteEventStore(inMemoryWith: .init(cacheSizeMiB: 8, directInsertThreshold: directInsertThreshold))
        let shared = UUID()
        // Many other uuids around them, so sorting by uuid moves every event away from its input position.
        var batch = (0..<200).map { i in event("llm_request_completed", "u\(i)", Double(i)) }
        batch.insert(event("support_ticket_resolved", "first", 1, id: shared), at: 150)
        batch.insert(event("support_ticket_resolved", "second", 2, id: shared), at: 20)
        batch.insert(event("support_ticket_resolved", "third", 3, id: shared), at: 199)
        let result = try await store.ingest(batch)
        #expect(result.stored == 201)
        #expect(result.duplicates == 2)
        try await store.mergeStagedEvents()
        let stored = try await store.rows("SELECT u.key FROM events AS e JOIN units AS u ON u.id = e.unit_id WHERE e.name_id = (SELECT id FROM event_names WHERE name = 'support_ticket_resolved')")
        #expect(stored == [[.string("second")]])
        let ledger = try await store.rows("SELECT count(*) FROM event_uuids")
        #expect(ledger == [[.number(201)]])
    }

    /// Units are resolved once per batch, new ones inserted in key order: a unit keeps its id across batches, also
    /// when the in-memory cache is smaller than the batch and is emptied on the way, and each key is stored once, on
    /// the staging path and on the direct path.
    @Test(arguments: [2, 2_000_000], [1, 1_000_000])
    func unitsKeepTheirIdsAcrossBatches(unitCacheLimit: Int, directInsertThreshold: Int) async throws {
        let store = try SQLiteEventStore(inMemoryWith: .init(cacheSizeMiB: 8, unitCacheLimit: unitCacheLimit, directInsertThreshold: directInsertThreshold))
        for round in 0..<3 {
            let batch = (0..<30).map { i in event("llm_request_completed", "u\((i * 7 + round) % 11)", Double(round * 100 + i)) }
            #expect(try await store.ingest(batch).stored == 30)
        }
        #expect(try await store.rows("SELECT count(*), count(DISTINCT key) FROM units") == [[.number(11), .number(11)]])
        try await store.mergeStagedEvents()
        let perUnit = try await store.rows("SELECT u.key, count(*) FROM events AS e JOIN units AS u ON u.id = e.unit_id GROUP BY u.key ORDER BY u.key")
        var expected: [String: Int] = [:]
        for round in 0..<3 { for i in 0..<30 { expected["u\((i * 7 + round) % 11)", default: 0] += 1 } }
        #expect(perUnit == expected.sorted { $0.key < $1.key }.map { [.string($0.key), .number(Double($0.value))] })
    }

    /// A database written before the uuid ledger (schema v2: a unique index on `events (uuid)`, and staged rows)
    /// gets a ledger with every stored uuid when it is opened, so replays stay duplicates.
    @Test func openingAVersion2DatabaseBuildsTheLedger() async throws {
        let path = try StoreBackend.temporaryPath()
        let merged = (0..<40).map { i in event("llm_request_completed", "u\(i % 7)", Double(i)) }
        let staged = (0..<9).map { i in event("support_ticket_resolved", "v\(i)", Double(i)) }
        do {
            // Today's store writes the rows; then the file is taken back to the v2 layout by hand.
            let store = try SQLiteEventStore(path: path, configuration: .init(cacheSizeMiB: 8, stagedEventLimit: 1_000_000))
            #expect(try await store.ingest(merged).stored == 40)
            try await store.mergeStagedEvents()  // into `events`
            #expect(try await store.ingest(staged).stored == 9)  // left in `events_staged`
            try await store.execute("""
                DROP TABLE event_uuids;
                CREATE UNIQUE INDEX events_uuid ON events (uuid);
                DELETE FROM grdb_migrations WHERE identifier = 'v3 uuid ledger';
                """)
        }
        let reopened = try SQLiteEventStore(path: path, configuration: .init(cacheSizeMiB: 8))
        // Staged uuids join the ledger at the next merge; until then the writer's set of staged uuids has them.
        #expect(try await reopened.rows("SELECT count(*) FROM event_uuids") == [[.number(40)]])
        #expect(try await reopened.rows("SELECT count(*) FROM sqlite_master WHERE name = 'events_uuid'") == [[.number(0)]])
        let replay = try await reopened.ingest(merged + staged)
        #expect(replay.stored == 0)
        #expect(replay.duplicates == 49)
        #expect(try await reopened.eventCount() == 49)
        try await reopened.mergeStagedEvents()
        #expect(try await reopened.rows("SELECT count(*) FROM event_uuids") == [[.number(49)]])
        #expect(try await reopened.ingest(merged + staged).duplicates == 49)
    }

    /// Exposures of one unit in one batch are folded into one upsert per variant; the row is the one that
    /// ingesting them one at a time gives, and a duplicate uuid among them counts once.
    @Test func exposuresFoldedPerBatchMatchOneAtATime() async throws {
        let repeated = exposure("u1", 5, "control")
        let events = [
            repeated, exposure("u1", 1, "control"), exposure("u1", 9, "control"),
            Event.exposure(id: repeated.id, unit: "u1", timestamp: at(0), experiment: "exp", variant: "treatment", phase: 0),
            exposure("u1", 3, "treatment"), exposure("u2", 4, "treatment"), exposure("u2", 2, "treatment"),
        ]
        let query = "SELECT unit_id, variant_id, first_ts, multi_ts, last_ts, exposures FROM exposure_units ORDER BY unit_id"
        let folded = try SQLiteEventStore(inMemoryWith: .init(cacheSizeMiB: 8))
        let result = try await folded.ingest(events)
        #expect(result.stored == 6)
        #expect(result.duplicates == 1)
        let one = try SQLiteEventStore(inMemoryWith: .init(cacheSizeMiB: 8))
        for e in events { _ = try await one.ingest([e]) }
        let rows = try await folded.rows(query)
        #expect(rows == (try await one.rows(query)))
        let ms = { (seconds: Double) in JSONValue.number(at(seconds).timeIntervalSince1970 * 1000) }
        #expect(rows.first.map { Array($0[2...]) } == [ms(1), ms(3), ms(9), .number(4)])
        #expect(rows.last.map { Array($0[2...]) } == [ms(2), .null, ms(4), .number(2)])
    }
}
