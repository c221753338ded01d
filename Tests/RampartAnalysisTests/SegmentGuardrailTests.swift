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
    static func yaml(optIn: Bool, guarding values: String = "[enterprise]") -> String {
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
          - { key: escalation, name: Escalation rate, role: guardrail, kind: proportion, event: llm_task_completed, filter: { escalated_to_human: true }, direction: decrease, threshold: { relative_margin: 0.25 }\(optIn ? ", segments: { plan: \(values) }" : "") }
        """
    }

    static let start = Date(timeIntervalSince1970: 1_780_000_000)

    /// free: 4,000 units per variant, escalation 20 % in both; enterprise: 600, 20 % → `enterprise` (50 %) under
    /// treatment.
    static func events(enterprise: Double = 0.5) -> [Event] {
        var g = SplitMix(seed: 5)
        var events: [Event] = []
        var i = 0
        for (plan, units, treated) in [("free", 4_000, 0.2), ("enterprise", 600, enterprise)] {
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

    static func verdict(optIn: Bool, guarding values: String = "[enterprise]", store: SQLiteEventStore) async throws -> ExperimentReport {
        let loaded = ExperimentLoader.parse(yaml: yaml(optIn: optIn, guarding: values), file: "seg.yaml")
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
        // The segment is a field of its own too, in the report's JSON as in the reason.
        let enterprise = SegmentFilter(attribute: "plan", value: "enterprise")
        #expect(reason.segment == enterprise)
        #expect(with.verdict.reasons.filter { $0.metric == "escalation" && $0.segment == nil }.count == 1, "the guardrail over all units keeps its own reason")
        let json = try #require(try JSONSerialization.jsonObject(with: ExperimentReport.encoder.encode(with)) as? [String: Any])
        let reasons = try #require((json["verdict"] as? [String: Any])?["reasons"] as? [[String: Any]])
        let encoded = try #require(reasons.first { $0["kind"] as? String == "guardrail_regression" })
        #expect(encoded["segment"] as? [String: String] == ["attribute": "plan", "value": "enterprise"], "\(encoded)")
        #expect(!reasons.contains { $0["segment"] != nil && $0["message"].map { !"\($0)".contains("[plan = ") } ?? true })
        // The report's metrics are unchanged by the opt-in.
        #expect(try with.metrics.map { try ExperimentReport.encoder.encode($0) } == without.metrics.map { try ExperimentReport.encoder.encode($0) })
    }

    /// Reading only the guarded metrics for each segment gives the same assessment as reading everything the
    /// report reads in that segment.
    @Test func eachSegmentReadsOnlyTheGuardedMetricsWithTheSameResult() async throws {
        let store = try SQLiteEventStore(inMemoryWith: .init())
        _ = try await store.ingest(Self.events())
        let loaded = ExperimentLoader.parse(yaml: Self.yaml(optIn: true), file: "seg.yaml")
        let e = try #require(loaded.experiment)
        let at = Self.start.addingTimeInterval(2 * 86_400)
        let analyzer = ExperimentAnalyzer(store: store)
        let found = try await analyzer.segmentGuardrailAssessments(e, scope: ExperimentScope(e, asOf: at))
        let narrow = AnalysisPlan(e, only: AnalysisPlan.withRatioParts(e.metrics.filter { $0.segments != nil }))
        #expect(Set(narrow.request.metrics.map(\.query.event)) == ["llm_task_completed"] && narrow.request.timeline == nil && narrow.funnel.isEmpty)

        let full = AnalysisPlan(e)
        var scope = ExperimentScope(e, asOf: at)
        scope.segment = SegmentFilter(attribute: "plan", value: "enterprise")
        let result = try await store.analysis(full.request, in: scope)
        let metric = try #require(e.metric("escalation"))
        let (_, expected) = MetricAnalyzer(experiment: e).analyze(metric, arms: try MetricAnalyzer(experiment: e).arms(metric, plan: full, result: result))
        #expect(found.count == 1 && expected.count == 1)
        let a = try #require(found.first), b = try #require(expected.first)
        #expect(a.outcome == b.outcome && a.effect == b.effect && a.lower == b.lower && a.upper == b.upper && a.probabilityBeyondThreshold == b.probabilityBeyondThreshold)
        #expect(a.segment == SegmentFilter(attribute: "plan", value: "enterprise") && b.segment == nil)
    }

    /// A guarded segment with no number (here, a value no unit has) holds the rollout like a missing guardrail,
    /// with a reason naming the segment; the same data without it advances.
    @Test func aSegmentFilterWithNoNumberHolds() async throws {
        let store = try SQLiteEventStore(inMemoryWith: .init())
        _ = try await store.ingest(Self.events(enterprise: 0.2))
        let plain = try await Self.verdict(optIn: true, store: store)
        #expect(plain.verdict.action == .advance, "\(plain.verdict.reasons.map(\.message))")
        let report = try await Self.verdict(optIn: true, guarding: "[enterprise, education]", store: store)
        #expect(report.verdict.action == .hold, "\(report.verdict.reasons.map(\.message))")
        let missing = report.verdict.reasons.filter { $0.kind == .missingMetric }
        #expect(missing.count == 1, "\(missing.map(\.message))")
        let reason = try #require(missing.first)
        #expect(reason.decisive && reason.metric == "escalation" && reason.variant == "treatment")
        #expect(reason.segment == SegmentFilter(attribute: "plan", value: "education"))
        #expect(reason.message.hasPrefix("Escalation rate [plan = education] (treatment) is missing: "), "\(reason.message)")
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
