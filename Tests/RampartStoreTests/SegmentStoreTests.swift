import Foundation
import RampartCore
@testable import RampartStore
import Testing

/// Segments in the store: each unit's value on its first exposure (sticky, order-independent, idempotent), the
/// caps, and the analysis restricted to one segment, on every backend.
@Suite("Segment store")
struct SegmentStoreTests {
    static func exposed(_ unit: String, _ seconds: Double, _ variant: String, _ segments: [String: JSONValue]) -> Event {
        Event.exposure(id: UUID(), unit: unit, timestamp: at(seconds), experiment: "exp", variant: variant, properties: segments)
    }

    static func segmentStore(_ store: any ValueDistributionStore) throws -> any SegmentStore {
        try #require(store as? any SegmentStore)
    }

    /// 40 units: even ones "free", odd ones "enterprise" on their first exposure; a later exposure says "pro" and
    /// arrives first. Unit 40 has no plan; unit 41 a 70-byte value; unit 42 a number.
    static func events() -> [Event] {
        var later: [Event] = []
        var first: [Event] = []
        for i in 0..<40 {
            let variant = i % 4 < 2 ? "control" : "treatment"
            first.append(exposed("u\(i)", 10, variant, ["plan": .string(i % 2 == 0 ? "free" : "enterprise")]))
            later.append(exposed("u\(i)", 20, variant, ["plan": "pro"]))
        }
        first.append(exposed("u40", 10, "control", [:]))
        first.append(exposed("u41", 10, "control", ["plan": .string(String(repeating: "x", count: 70))]))
        first.append(exposed("u42", 10, "treatment", ["plan": 3]))
        return later + first
    }

    @Test(arguments: StoreBackend.allCases)
    func firstExposureWinsAndReplaysStoreNothingTwice(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let events = Self.events()
        _ = try await store.ingest(events)
        _ = try await store.ingest(events)     // a replay: same uuids
        let membership = try await Self.segmentStore(store).segments("plan", in: ExperimentScope(key: "exp"))
        let values = membership.values.map { "\($0.value)=\($0.units)" }
        #expect(values == ["enterprise=20", "free=20", "3=1", String(repeating: "x", count: 64) + "=1"], "\(values)")
        #expect(membership.missing == 1)
        // As of a moment before any exposure, nobody is in a segment.
        let before = try await Self.segmentStore(store).segments("plan", in: ExperimentScope(key: "exp", asOf: at(5)))
        #expect(before.values.isEmpty && before.missing == 0)
        // Another phase has nobody.
        #expect(try await Self.segmentStore(store).segments("plan", in: ExperimentScope(key: "exp", phase: 1)).values.isEmpty)
    }

    @Test(arguments: StoreBackend.allCases)
    func ndjsonExposuresAndTypedTextProperties(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let lines = (0..<6).map { i in
            #"{"uuid":"\#(UUID().uuidString)","event":"exposure","unit":"n\#(i)","timestamp":"2026-06-01T00:00:0\#(i)Z","properties":{"experiment":"exp","variant":"control","environment":"\#(i < 4 ? "prod" : "staging")","plan":"team"}}"#
        }.joined(separator: "\n")
        let result = try await store.ingestNDJSON(Array(lines.utf8), firstIndex: 0, parser: EventParser(), now: Date())
        #expect(result.stored == 6)
        let environment = try await Self.segmentStore(store).segments("environment", in: ExperimentScope(key: "exp"))
        #expect(environment.values.map(\.value) == ["prod", "staging"] && environment.values.map(\.units) == [4, 2])
        let plan = try await Self.segmentStore(store).segments("plan", in: ExperimentScope(key: "exp"))
        #expect(plan.values.map(\.value) == ["team"] && plan.values.map(\.units) == [6])
    }

    @Test(arguments: StoreBackend.allCases)
    func valuesBeyondTheHundredMostCommonOverflow(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        var events: [Event] = []
        for i in 0..<105 {
            let value = String(format: "v%03d", i)
            events.append(Self.exposed("a\(i)", 10, "control", ["plan": .string(value)]))
            if i < 5 { events.append(Self.exposed("b\(i)", 10, "control", ["plan": .string(value)])) }
        }
        _ = try await store.ingest(events)
        let membership = try await Self.segmentStore(store).segments("plan", in: ExperimentScope(key: "exp"))
        #expect(membership.order.count == SegmentAttributes.maxDistinctValues + 1)
        #expect(membership.order.prefix(5) == ["v000", "v001", "v002", "v003", "v004"])
        #expect(membership.order.last == SegmentAttributes.overflow)
        // The 5 singles with the largest values fall beyond the hundred.
        #expect(membership.values.last?.units == 5)
        #expect(!membership.order.contains("v104") && membership.order.contains("v099"))
    }

    /// The analysis of one segment covers its units only: enrolment, multi-variant exclusion and every metric,
    /// checked against a direct computation over the segment's units.
    @Test(arguments: StoreBackend.allCases)
    func analysisIsRestrictedToTheSegment(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        var events = Self.events()
        // Unit u1 (enterprise) also sees treatment: multi-variant.
        events.append(Self.exposed("u1", 30, "treatment", ["plan": "enterprise"]))
        var expected: [String: [String: (n: Int, sum: Double)]] = [:]
        for i in 0..<40 {
            let count = (i * 7) % 5
            for k in 0..<count { events.append(event("a", "u\(i)", 40 + Double(k), ["latency_ms": .number(Double(100 * k + i))])) }
            guard i != 1 else { continue }
            let plan = i % 2 == 0 ? "free" : "enterprise"
            let variant = i % 4 < 2 ? "control" : "treatment"
            let sum = (0..<count).reduce(0.0) { $0 + Double(100 * $1 + i) }
            expected[plan, default: [:]][variant, default: (0, 0)].n += 1
            expected[plan, default: [:]][variant, default: (0, 0)].sum += sum
        }
        _ = try await store.ingest(events)
        let request = AnalysisRequest(metrics: [.init(MetricQuery(event: "a", value: "latency_ms"))])
        for plan in ["free", "enterprise"] {
            var scope = ExperimentScope(key: "exp")
            scope.segment = SegmentFilter(attribute: "plan", value: plan)
            let result = try await store.analysis(request, in: scope)
            #expect(result.attribution.multiVariantUnits == (plan == "enterprise" ? 1 : 0))
            for variant in ["control", "treatment"] {
                let want = try #require(expected[plan]?[variant])
                #expect(result.attribution.enrolled[variant] == want.n, "\(plan) \(variant)")
                let stats = try #require(result.metrics[0].variants[variant])
                #expect(stats.count == want.n && abs(stats.sum - want.sum) < 1e-9, "\(plan) \(variant): \(stats)")
            }
        }
        // A value nobody has gives an empty population, not the whole experiment.
        var nobody = ExperimentScope(key: "exp")
        nobody.segment = SegmentFilter(attribute: "plan", value: "nobody")
        let empty = try await store.analysis(request, in: nobody)
        #expect(empty.attribution.enrolled.isEmpty)
        // Without a segment, everyone.
        let all = try await store.analysis(request, in: ExperimentScope(key: "exp"))
        #expect(all.attribution.enrolled.values.reduce(0, +) == 42)
    }

    @Test func postgresStatementsReadOnlyTheSegmentsUnits() throws {
        let statement = PostgresEventStore.Statement(
            "SELECT 'exposure_units ?', count(*) FROM exposure_units AS f JOIN x ON 1 WHERE f.a = ? UNION SELECT 1 FROM exposure_units WHERE experiment_id = ? AND my_exposure_units = 1",
            [.int(1), .int(2)]
        )
        let restricted = statement.restrictingExposureUnits(to: .init([1, 3]))
        let subquery = "(SELECT r.* FROM exposure_units AS r JOIN unnest(?::bigint[]) AS s (unit_id) ON s.unit_id = r.unit_id)"
        #expect(restricted.sql == "SELECT 'exposure_units ?', count(*) FROM \(subquery) AS f JOIN x ON 1 WHERE f.a = ? UNION SELECT 1 FROM \(subquery) AS exposure_units WHERE experiment_id = ? AND my_exposure_units = 1")
        // The ids go where their placeholders fall: before f.a's value, and between it and experiment_id's.
        let shapes = restricted.values.map { value -> String in
            switch value {
            case .text(let ids): return ids
            case .int(let i): return "\(i)"
            default: return "?"
            }
        }
        #expect(shapes == ["{1,3}", "1", "{1,3}", "2"])
        _ = try restricted.query()
    }
}
