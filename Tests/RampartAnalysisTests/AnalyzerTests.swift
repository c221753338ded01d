import Foundation
import Testing
import RampartConfig
import RampartCore
import RampartStore
@testable import RampartAnalysis

/// The analyzer end to end on a small store: events in, verdict out.
@Suite("Experiment analyzer")
struct AnalyzerTests {
    static let yaml = """
        key: demo
        status: running
        variants:
          - { key: control, weight: 0.5, payload: { prompt_name: p, prompt_version_id: v1, model: small, provider: x } }
          - { key: treatment, weight: 0.5, payload: { prompt_name: p, prompt_version_id: v2, model: small, provider: x } }
        coverage: 1
        ramp:
          - { coverage: 0.5, min_duration: 1d, min_units_per_variant: 100 }
          - { coverage: 1 }
        metrics:
          - { key: resolved, role: primary, kind: proportion, event: support_ticket_resolved }
          - { key: escalation, role: guardrail, kind: proportion, event: llm_task_completed, filter: { escalated_to_human: true }, direction: decrease, threshold: { relative_margin: 0.25 } }
          - { key: p95, role: guardrail, kind: quantile, event: llm_request_completed, value: latency_ms, quantile: 0.95, direction: decrease, threshold: { ceiling: 4000 } }
          - { key: cost_per_resolved, role: guardrail, kind: ratio, numerator: cost, denominator: tickets, direction: decrease, threshold: { ceiling: 0.05 } }
          - { key: cost, kind: mean, event: llm_request_completed, value: estimated_cost_usd, direction: decrease }
          - { key: tickets, kind: mean, event: support_ticket_resolved }
        """

    static let start = Date(timeIntervalSince1970: 1_780_000_000)

    struct World {
        var resolve: [String: Double] = ["control": 0.30, "treatment": 0.45]
        var escalate: [String: Double] = ["control": 0.20, "treatment": 0.20]
        var latency: [String: Double] = ["control": 1_000, "treatment": 1_000]
        var units = 6_000
        var requestsOmitted = false
        /// Seconds between consecutive units' first exposures.
        var spacing = 1.0
    }

    static func experiment() throws -> Experiment {
        let loaded = ExperimentLoader.parse(yaml: yaml, file: "demo.yaml")
        #expect(loaded.problems.isEmpty, "\(loaded.problems)")
        return try #require(loaded.experiment)
    }

    /// Writes exposures and outcomes for `world` into a fresh in-memory store.
    static func store(_ world: World) async throws -> SQLiteEventStore {
        let store = try SQLiteEventStore(inMemoryWith: .init())
        _ = try await store.ingest(events(world))
        return store
    }

    /// Exposures and outcomes for `world`: unit `i` is exposed at `start + i × spacing` seconds.
    static func events(_ world: World) -> [Event] {
        var g = SplitMix(seed: 42)
        var events: [Event] = []
        for i in 0..<(2 * world.units) {
            let unit = "u\(i)"
            let variant = i % 2 == 0 ? "control" : "treatment"
            let t = start.addingTimeInterval(Double(i) * world.spacing)
            events.append(Event.exposure(id: UUID(), unit: unit, timestamp: t, experiment: "demo", variant: variant, phase: 0))
            if !world.requestsOmitted {
                for r in 0..<3 {
                    // Log-normal latency with a per-unit random effect.
                    let latency = world.latency[variant]! * exp(0.5 * g.normal() + 0.3 * g.normal())
                    events.append(Event(id: UUID(), name: "llm_request_completed", unit: unit, timestamp: t.addingTimeInterval(Double(r) + 1), properties: [
                        "latency_ms": .number(latency), "estimated_cost_usd": .number(0.004 + 0.002 * g.uniform()), "model": "small",
                    ]))
                }
            }
            if g.uniform() < world.resolve[variant]! {
                events.append(Event(id: UUID(), name: "support_ticket_resolved", unit: unit, timestamp: t.addingTimeInterval(10)))
            }
            events.append(Event(id: UUID(), name: "llm_task_completed", unit: unit, timestamp: t.addingTimeInterval(11), properties: [
                "escalated_to_human": .bool(g.uniform() < world.escalate[variant]!), "task_completed": true,
            ]))
        }
        return events
    }

    static func report(_ world: World, stage: Int = 1) async throws -> ExperimentReport {
        var e = try experiment()
        e.coverage = e.ramp[stage].coverage
        let state = RolloutState(experiment: e, stageIndex: stage, stageStartedAt: start)
        let analyzer = ExperimentAnalyzer(store: try await store(world))
        return try await analyzer.analyze(state, now: start.addingTimeInterval(3 * 86_400))
    }

    @Test func clearWinAtTheLastStageShips() async throws {
        let r = try await Self.report(World())
        #expect(r.verdict.action == .ship, "\(r.verdict.reasons.map(\.message))")
        let primary = try #require(r.metrics.first { $0.key == "resolved" })
        let treatment = try #require(primary.variants.first { $0.variant == "treatment" })
        #expect(treatment.outcome == .pass)
        #expect((treatment.relative?.sequential.estimate ?? 0) > 0.3)
        #expect((treatment.relative?.fixed.lower ?? 0) > (treatment.relative?.sequential.lower ?? 1))
        #expect(r.units.enrolled == ["control": 6_000, "treatment": 6_000])
        #expect((r.srm.pValue ?? 0) > 0.5)
        #expect(r.funnel.count == 4)
        #expect(r.cost.count == 2)
    }

    @Test func clearWinAtAnEarlierStageAdvances() async throws {
        let r = try await Self.report(World(), stage: 0)
        #expect(r.verdict.action == .advance, "\(r.verdict.reasons.map(\.message))")
    }

    @Test func escalationRegressionRollsBack() async throws {
        var world = World()
        world.escalate["treatment"] = 0.30
        let r = try await Self.report(world, stage: 0)
        #expect(r.verdict.action == .rollback)
        let reason = try #require(r.verdict.reasons.first)
        #expect(reason.metric == "escalation")
        #expect(reason.message.contains("margin +25%: regression"), "\(reason.message)")
    }

    @Test func latencyOverTheCeilingRollsBack() async throws {
        var world = World()
        world.latency["treatment"] = 3_000
        let r = try await Self.report(world, stage: 0)
        #expect(r.verdict.action == .rollback)
        #expect(r.verdict.reasons.first?.metric == "p95")
        #expect(r.verdict.reasons.first?.message.contains("ceiling 4000: beyond limit") == true)
    }

    @Test func missingMetricHolds() async throws {
        var world = World()
        world.requestsOmitted = true
        let r = try await Self.report(world, stage: 0)
        #expect(r.verdict.action == .hold)
        #expect(r.verdict.reasons.contains { $0.kind == .missingMetric && $0.metric == "p95" && $0.decisive })
        let json = try JSONEncoder().encode(r)
        #expect(!json.isEmpty)
    }
}

/// A seeded generator for test data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func normal() -> Double {
        let u = max(uniform(), 1e-300), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}
