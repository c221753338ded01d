import Foundation
import Testing
import RampartConfig
import RampartCore
import RampartStore
@testable import RampartAnalysis

/// Opt-in segment guardrails: an escalation regression confined to the enterprise plan rolls back only when the
/// guardrail guards that segment; without the opt-in the verdict does not read segments.
@Suite("Segment guardrails")
struct SegmentGuardrailTests {
    static func yaml(optIn: Bool) -> String {
        """
        key: seg
        status: running
        variants:
          - { key: control, weight: 0.5, payload: { prompt_name: p, prompt_version_id: v1, model: small, provider: x } }
          - { key: treatment, weight: 0.5, payload: { prompt_name: p, prompt_version_id: v2, model: small, provider: x } }
        segments: [plan]
        ramp:
          - { coverage: 0.5, min_units_per_variant: 100 }
          - { coverage: 1 }
        metrics:
          - { key: resolved, role: primary, kind: proportion, event: support_ticket_resolved }
          - { key: escalation, name: Escalation rate, role: guardrail, kind: proportion, event: llm_task_completed, filter: { escalated_to_human: true }, direction: decrease, threshold: { relative_margin: 0.25 }\(optIn ? ", segments: { plan: [enterprise] }" : "") }
        """
    }

    static let start = Date(timeIntervalSince1970: 1_780_000_000)

    /// free: 4,000 units per variant, escalation 20 % in both; enterprise: 600, 20 % → 50 % under treatment.
    static func events() -> [Event] {
        var g = SplitMix(seed: 5)
        var events: [Event] = []
        var i = 0
        for (plan, units, treated) in [("free", 4_000, 0.2), ("enterprise", 600, 0.5)] {
            for _ in 0..<units {
                for variant in ["control", "treatment"] {
                    let unit = "u\(i)", t = start.addingTimeInterval(Double(i))
                    i += 1
                    events.append(Event.exposure(id: UUID(), unit: unit, timestamp: t, experiment: "seg", variant: variant, properties: ["plan": .string(plan)]))
                    if g.uniform() < (variant == "control" ? 0.3 : 0.36) {
                        events.append(Event(id: UUID(), name: "support_ticket_resolved", unit: unit, timestamp: t.addingTimeInterval(10)))
                    }
                    events.append(Event(id: UUID(), name: "llm_task_completed", unit: unit, timestamp: t.addingTimeInterval(11), properties: [
                        "escalated_to_human": .bool(g.uniform() < (variant == "control" ? 0.2 : treated)),
                    ]))
                }
            }
        }
        return events
    }

    static func verdict(optIn: Bool, store: SQLiteEventStore) async throws -> ExperimentReport {
        let loaded = ExperimentLoader.parse(yaml: yaml(optIn: optIn), file: "seg.yaml")
        #expect(loaded.problems.isEmpty, "\(loaded.problems)")
        let e = try #require(loaded.experiment)
        let state = RolloutState(experiment: e, stageIndex: 0, stageStartedAt: start)
        return try await ExperimentAnalyzer(store: store).analyze(state, now: start.addingTimeInterval(2 * 86_400))
    }

    @Test func aRegressionConfinedToASegmentRollsBackOnlyWithTheOptIn() async throws {
        let store = try SQLiteEventStore(inMemoryWith: .init())
        _ = try await store.ingest(Self.events())
        let without = try await Self.verdict(optIn: false, store: store)
        #expect(without.verdict.action != .rollback, "\(without.verdict.reasons.map(\.message))")
        #expect(!without.verdict.reasons.contains { $0.message.contains("[plan") })
        // The overall guardrail does not show the regression by itself.
        #expect(!without.verdict.reasons.contains { $0.kind == .guardrailRegression })

        let with = try await Self.verdict(optIn: true, store: store)
        #expect(with.verdict.action == .rollback, "\(with.verdict.reasons.map(\.message))")
        let reason = try #require(with.verdict.reasons.first { $0.kind == .guardrailRegression })
        #expect(reason.decisive && reason.metric == "escalation" && reason.variant == "treatment")
        #expect(reason.message.hasPrefix("Escalation rate [plan = enterprise] (treatment)"), "\(reason.message)")
        // The report's metrics are unchanged by the opt-in.
        #expect(try with.metrics.map { try ExperimentReport.encoder.encode($0) } == without.metrics.map { try ExperimentReport.encoder.encode($0) })
    }

    @Test func optInErrorsNameTheField() {
        let bad = ExperimentLoader.parse(yaml: Self.yaml(optIn: true).replacingOccurrences(of: "segments: [plan]", with: "segments: [country]"), file: "seg.yaml")
        #expect(bad.problems.contains { $0.field == "metrics[1].segments.plan" && $0.message.contains("not a segment attribute") }, "\(bad.problems)")
        let primary = ExperimentLoader.parse(yaml: Self.yaml(optIn: false).replacingOccurrences(of: "event: support_ticket_resolved }", with: "event: support_ticket_resolved, segments: { plan: [enterprise] } }"), file: "seg.yaml")
        #expect(primary.problems.contains { $0.field == "metrics[0].segments" && $0.message.contains("only a guardrail") }, "\(primary.problems)")
        let empty = ExperimentLoader.parse(yaml: Self.yaml(optIn: false).replacingOccurrences(of: "relative_margin: 0.25 }", with: "relative_margin: 0.25 }, segments: { plan: [] }"), file: "seg.yaml")
        #expect(empty.problems.contains { $0.field == "metrics[1].segments.plan" && $0.message.contains("names no segment value") }, "\(empty.problems)")
    }
}
