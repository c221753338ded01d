import Foundation
import RampartCore
import RampartStore
import Testing

/// The store contract, written once and run against every backend.
@Suite("Event store")
struct EventStoreTests {
    let scope = ExperimentScope(key: "exp")

    @Test(arguments: StoreBackend.allCases)
    func replayingABatchStoresItOnce(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        var batch: [Event] = [exposure("u1", 0, "control"), exposure("u2", 0, "treatment")]
        for i in 0..<50 {
            batch.append(event("llm_request_completed", "u\(i % 3)", Double(i), ["latency_ms": .number(Double(100 + i))]))
        }
        let first = try await store.ingest(batch)
        #expect(first.stored == batch.count)
        #expect(first.duplicates == 0)
        #expect(first.rejections.isEmpty)
        let replay = try await store.ingest(batch)
        #expect(replay.stored == 0)
        #expect(replay.duplicates == batch.count)
        // Duplicates inside one batch, and a duplicate uuid whose content differs, are stored once.
        var again = batch[0]
        again.timestamp = at(999)
        let fresh = event("support_ticket_resolved", "u1", 5)
        let mixed = try await store.ingest([fresh, fresh, again])
        #expect(mixed.stored == 1)
        #expect(mixed.duplicates == 2)
        #expect(try await store.eventCount() == batch.count + 1)
        let attribution = try await store.attribution(scope)
        #expect(attribution.enrolled == ["control": 1, "treatment": 1])
        #expect(attribution.exposures == 2)
        let stats = try await store.statistics(MetricQuery(event: "llm_request_completed", value: "latency_ms"), in: scope)
        var expected = 0.0
        for i in 0..<50 where i % 3 == 1 { expected += Double(100 + i) }
        #expect(stats.variants["control"]?.sum == expected)
    }

    @Test(arguments: StoreBackend.allCases)
    func resultsDoNotDependOnArrivalOrder(_ backend: StoreBackend) async throws {
        var events: [Event] = []
        for u in 0..<12 {
            let unit = "u\(u)"
            let first = Double(u * 10)
            events.append(exposure(unit, first, u % 2 == 0 ? "control" : "treatment"))
            events.append(exposure(unit, first + 50, u % 2 == 0 ? "control" : "treatment"))
            if u == 5 { events.append(exposure(unit, first + 70, "control")) }  // several variants: excluded
            for k in 0..<6 {
                events.append(event("llm_request_completed", unit, first - 15 + Double(k) * 10, ["latency_ms": .number(Double(u * 100 + k))]))
            }
            events.append(event("support_ticket_resolved", unit, first + (u % 3 == 0 ? -1 : 1)))
        }
        let metrics = [
            MetricQuery(event: "llm_request_completed", value: "latency_ms"),
            MetricQuery(event: "llm_request_completed"),
            MetricQuery(event: "support_ticket_resolved", aggregation: .indicator),
        ]
        var random = TestRandom(state: 7)
        var results: [[MetricAggregates]] = []
        for round in 0..<4 {
            var order = events
            switch round {
            case 0: break
            case 1: order = events.filter { $0.name != EventName.exposure } + events.filter { $0.name == EventName.exposure }
            default: random.shuffle(&order)
            }
            let store = try await backend.make()
            // Arrive in several batches.
            for start in stride(from: 0, to: order.count, by: 7) {
                _ = try await store.ingest(Array(order[start..<min(start + 7, order.count)]))
            }
            var stats: [MetricAggregates] = []
            for metric in metrics { stats.append(try await store.statistics(metric, in: scope)) }
            results.append(stats)
        }
        for other in results.dropFirst() { #expect(other == results[0]) }
        let latency = results[0][0]
        #expect(latency.attribution.multiVariantUnits == 1)
        #expect(latency.attribution.enrolled == ["control": 6, "treatment": 5])
        // Events 15 s and 5 s before the first exposure do not count; 4 of 6 do.
        let controlUnits = [0, 2, 4, 6, 8, 10]
        let expected = controlUnits.map { u in (2..<6).map { Double(u * 100 + $0) }.reduce(0, +) }.reduce(0, +)
        #expect(latency.variants["control"]?.sum == expected)
        #expect(results[0][1].variants["treatment"]?.sum == 20)
        #expect(results[0][2].variants["control"]?.sum == 4)  // units 0 and 6 resolved a second before exposure
    }

    @Test(arguments: StoreBackend.allCases)
    func unitsExposedToSeveralVariantsAreExcludedAndReported(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        _ = try await store.ingest([
            exposure("a", 0, "control"), exposure("a", 10, "treatment"),
            exposure("b", 0, "treatment"), exposure("b", 5, "treatment"),
            exposure("c", 0, "control"),
            event("support_ticket_resolved", "a", 20), event("support_ticket_resolved", "b", 20),
            event("support_ticket_resolved", "c", 20),
            exposure("a", 0, "control", phase: 1),  // another phase is another population
        ])
        let attribution = try await store.attribution(scope)
        #expect(attribution.multiVariantUnits == 1)
        #expect(attribution.enrolled == ["control": 1, "treatment": 1])
        #expect(attribution.exposures == 5)
        let stats = try await store.statistics(MetricQuery(event: "support_ticket_resolved", aggregation: .indicator), in: scope)
        #expect(stats.variants["control"] == SufficientStatistics(count: 1, sum: 1, sumOfSquares: 1))
        #expect(stats.variants["treatment"] == SufficientStatistics(count: 1, sum: 1, sumOfSquares: 1))
        let phase1 = try await store.attribution(ExperimentScope(key: "exp", phase: 1))
        #expect(phase1.enrolled == ["control": 1])
        #expect(phase1.multiVariantUnits == 0)
    }

    @Test(arguments: StoreBackend.allCases)
    func badEventsAreRejectedAloneWithTheirField(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let wrongType = event("llm_request_completed", "u1", 1, ["latency_ms": "fast"])
        let result = try await store.ingest([
            event("llm_request_completed", "u1", 0, ["latency_ms": 12]),
            wrongType,
            event("llm_request_completed", "u1", 2, ["task_completed": 1]),
            Event(id: UUID(), name: EventName.exposure, unit: "u1", timestamp: at(0), properties: ["variant": "control"]),
            event("", "u1", 0),
            event("x", "", 0),
            event("llm_request_completed", "u2", 3, ["latency_ms": 15, "note": ["a", 1]]),
        ])
        #expect(result.stored == 2)
        #expect(result.rejections.map(\.index) == [1, 2, 3, 4, 5])
        #expect(result.rejections.map(\.field) == ["properties.latency_ms", "properties.task_completed", "properties.experiment", "event", "unit"])
        #expect(result.rejections[0].uuid == wrongType.id)
        #expect(result.rejections[0].reason.contains("expected a number"))
    }

    @Test(arguments: StoreBackend.allCases)
    func filtersValuesCapsAndUnknownProperties(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        _ = try await store.ingest([
            exposure("a", 0, "control"), exposure("b", 0, "control"), exposure("c", 0, "treatment"),
            event("llm_task_completed", "a", 1, ["task_completed": true, "task_type": "triage", "plan": "pro"]),
            event("llm_task_completed", "a", 2, ["task_completed": false, "task_type": "triage", "plan": "pro"]),
            event("llm_task_completed", "b", 1, ["task_completed": true, "task_type": "reply", "plan": "free"]),
            event("llm_task_completed", "c", 1, ["task_completed": true, "task_type": "triage", "retry_count": 3]),
            event("llm_request_completed", "a", 1, ["output_tokens": 900]),
            event("llm_request_completed", "a", 2, ["output_tokens": 300]),
            event("llm_request_completed", "b", 1, ["output_tokens": 100]),
        ])
        func sum(_ query: MetricQuery, _ variant: String = "control") async throws -> Double? {
            try await store.statistics(query, in: scope).variants[variant]?.sum
        }
        let task = "llm_task_completed"
        #expect(try await sum(MetricQuery(event: task, filter: ["task_completed": true])) == 2)
        #expect(try await sum(MetricQuery(event: task, filter: ["task_completed": true, "task_type": "triage"])) == 1)
        #expect(try await sum(MetricQuery(event: task, filter: ["plan": "pro"])) == 2)
        #expect(try await sum(MetricQuery(event: task, filter: ["plan": ["$in": ["pro", "free"]]], aggregation: .indicator)) == 2)
        #expect(try await sum(MetricQuery(event: task, filter: ["plan": ["$exists": false]]), "treatment") == 1)
        #expect(try await sum(MetricQuery(event: task, filter: ["task_type": ["$ne": "triage"]])) == 1)
        #expect(try await sum(MetricQuery(event: task, filter: ["task_type": ["$nin": ["reply"]]])) == 2)
        #expect(try await sum(MetricQuery(event: task, filter: ["retry_count": ["$gte": 3]]), "treatment") == 1)
        #expect(try await sum(MetricQuery(event: task, value: "task_completed")) == 2)
        #expect(try await sum(MetricQuery(event: "llm_request_completed", value: "output_tokens")) == 1300)
        let capped = try await store.statistics(MetricQuery(event: "llm_request_completed", value: "output_tokens", cap: 1000), in: scope)
        #expect(capped.variants["control"] == SufficientStatistics(count: 2, sum: 1100, sumOfSquares: 1_000_000 + 10_000))
        #expect(capped.unitsWithEvents["control"] == 2)
        await #expect(throws: RampartError.self) {
            _ = try await store.statistics(MetricQuery(event: task, filter: ["plan": ["$regex": "p"]]), in: scope)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func unitIdsCanBeStoredAsKeyedHashes(_ backend: StoreBackend) async throws {
        let store = try await backend.make(unitIdHashKey: Array("secret".utf8))
        let rows = try #require(store as? any RowQuerying)
        _ = try await store.ingest([exposure("alice@example.com", 0, "control"), event("support_ticket_resolved", "alice@example.com", 1)])
        let keys = try await rows.rows("SELECT key FROM units", arguments: []).compactMap { $0[0].stringValue }
        #expect(keys.count == 1)
        #expect(!keys[0].contains("alice"))
        #expect(keys[0].count == 32)
        #expect(keys[0].allSatisfy { $0.isHexDigit })
        let stats = try await store.statistics(MetricQuery(event: "support_ticket_resolved"), in: scope)
        #expect(stats.variants["control"]?.sum == 1)
    }

    @Test func fileStoreIsWALWithFullSync() async throws {
        let store = try SQLiteEventStore(path: StoreBackend.temporaryPath())
        #expect(try await store.pragma("journal_mode") == "wal")
        #expect(try await store.pragma("synchronous") == "2")
        #expect(try await store.pragma("page_size") == "16384")
        #expect(try await store.pragma("wal_autocheckpoint") == "8192")
        let small = try SQLiteEventStore(path: StoreBackend.temporaryPath(), configuration: .init(walAutocheckpointPages: 500))
        #expect(try await small.pragma("wal_autocheckpoint") == "500")
    }
}
