import Foundation
import RampartCore
@testable import RampartStore
import Testing

/// The two ways a PostgreSQL ingest sends rows to `events` (`COPY` through a temporary table, a JSON array
/// parameter) store the same rows, count the same duplicates, and stay exact under concurrent batches.
@Suite("PostgreSQL insert methods")
struct PostgresInsertMethodTests {
    static var server: String? { StoreBackend.postgresURL }

    /// Text that `COPY`'s text format must escape (backslash, tab, newline, carriage return), quotes and braces
    /// that JSON must escape, non-ASCII, in typed columns and in the `props` JSON; numbers at the edges of their
    /// columns; absent columns as nulls.
    static let awkward: [Event] = [
        event("llm_request_completed", "unit\twith\ttabs", 1, [
            "model": "gpt\\4\n\"mini\"\r", "prompt_version_id": "pv-ü-東京-🙂", "latency_ms": .number(1e-300),
            "input_tokens": .number(4_000_000_000), "estimated_cost_usd": .number(0.1 + 0.2),
            "note": "back\\slash \t tab \n newline {\"json\": [1, 2]}", "nested": .object(["a": .array([.null, .bool(true)])]),
        ]),
        event("llm_request_completed", "plain", 2, ["latency_ms": .number(12.5), "output_tokens": .number(0)]),
        event("support_ticket_resolved", "\\N", 3),
        event("support_ticket_resolved", "x", 4, ["task_completed": .bool(true), "session_id": "", "task_type": "\\."]),
    ]

    static let later = event("support_ticket_resolved", "new", 5)

    func stored(_ store: PostgresEventStore) async throws -> [[JSONValue]] {
        let columns = PostgresEventStore.copyColumns.filter { $0 != "uuid" && $0 != "unit_id" && $0 != "name_id" }
        return try await store.rows("""
            SELECT e.uuid::text, n.name, u.key, \(columns.map { "e.\($0)::text" }.joined(separator: ", "))
            FROM events AS e JOIN event_names AS n ON n.id = e.name_id JOIN units AS u ON u.id = e.unit_id ORDER BY e.uuid
            """, arguments: [])
    }

    @Test(.enabled(if: server != nil)) func copyAndJSONStoreTheSameRows() async throws {
        var tables: [[[JSONValue]]] = []
        for method in PostgresEventStore.InsertMethod.allCases {
            let url = try await PostgresEventStore.createScratchDatabase(on: try #require(Self.server), prefix: "rampart_insert")
            let store = try await PostgresEventStore(url: url, maximumConnections: 2, insertMethod: method, operationTimeout: StoreBackend.postgresTimeout)
            let first = try await store.ingest(Self.awkward)
            #expect(first.rejections.isEmpty, "\(method): \(first.rejections)")
            #expect(first.stored == Self.awkward.count && first.duplicates == 0, "\(method)")
            let again = try await store.ingest(Self.awkward + [Self.later])
            #expect(again.stored == 1 && again.duplicates == Self.awkward.count, "\(method)")
            tables.append(try await stored(store))
            #expect(try await store.storedEventCounts() == ["llm_request_completed": 2, "support_ticket_resolved": 3])
            await store.close()
        }
        #expect(tables[0].count == Self.awkward.count + 1)
        for (copied, inserted) in zip(tables[0], tables[1]) {
            for (column, (a, b)) in zip(copied, inserted).enumerated() where a != b {
                Issue.record("column \(column) of \(copied[2]): COPY stored \(a), the JSON insert \(b)")
            }
        }
        let model = try #require(tables[0].first { $0.contains(.string("unit\twith\ttabs")) })
        #expect(model.contains(.string("gpt\\4\n\"mini\"\r")) && model.contains(.string("pv-ü-東京-🙂")))
    }

    @Test(.enabled(if: server != nil)) func concurrentCopiesOfOverlappingBatchesStoreEachEventOnce() async throws {
        let url = try await PostgresEventStore.createScratchDatabase(on: try #require(Self.server), prefix: "rampart_insert")
        let store = try await PostgresEventStore(url: url, maximumConnections: 4, insertMethod: .copy, operationTimeout: StoreBackend.postgresTimeout)
        let shared = (0..<200).map { i in event("llm_request_completed", "shared-\(i)", Double(i), ["latency_ms": .number(Double(i))]) }
        let results = try await withThrowingTaskGroup(of: IngestResult.self) { group in
            for k in 0..<6 {
                let own = (0..<100).map { i in event("llm_request_completed", "u\(k)-\(i)", Double(i)) }
                group.addTask { try await store.ingest((own + shared).shuffled()) }
            }
            return try await group.reduce(into: [IngestResult]()) { $0.append($1) }
        }
        #expect(results.map(\.stored).reduce(0, +) == 800)
        #expect(results.map(\.duplicates).reduce(0, +) == 1_000)
        #expect(try await store.eventCount() == 800)
        await store.close()
    }
}
