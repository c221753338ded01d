import Foundation
import Testing
import RampartConfig
import RampartCore
import RampartStore
@testable import RampartAnalysis

/// CUPED is on by default for primary and guardrail mean and proportion metrics whenever the covariate window has
/// data; `cuped_window_days: 0` turns it off.
@Suite("CUPED by default")
struct CUPEDDefaultTests {
    static let yaml = """
        key: cuped
        status: running
        variants:
          - { key: control, weight: 0.5, payload: { prompt_name: p, prompt_version_id: v1, model: small, provider: x } }
          - { key: treatment, weight: 0.5, payload: { prompt_name: p, prompt_version_id: v2, model: small, provider: x } }
        coverage: 1
        metrics:
          - { key: tickets, role: primary, kind: mean, event: support_ticket_resolved }
          - { key: tickets_guard, role: guardrail, kind: mean, event: support_ticket_resolved, direction: decrease, threshold: { relative_margin: 0.5 } }
          - { key: tickets_off, role: guardrail, kind: mean, event: support_ticket_resolved, direction: decrease, threshold: { relative_margin: 0.5 }, cuped_window_days: 0 }
          - { key: tickets_secondary, role: secondary, kind: mean, event: support_ticket_resolved }
        """

    static func experiment() throws -> Experiment {
        let loaded = ExperimentLoader.parse(yaml: yaml, file: "cuped.yaml")
        #expect(loaded.problems.isEmpty, "\(loaded.problems)")
        return try #require(loaded.experiment)
    }

    func treatment(_ r: ExperimentReport, _ key: String) throws -> (MetricReport, VariantResult) {
        let m = try #require(r.metrics.first { $0.key == key })
        return (m, try #require(m.variants.first { $0.variant == "treatment" }))
    }

    @Test func primaryAndGuardrailsAreAdjustedWhenTheWindowHasData() async throws {
        let e = try Self.experiment()
        let store = try SQLiteEventStore(inMemoryWith: .init())
        _ = try await store.ingest(AsOfTimelineCUPEDTests.cupedWorld().events)
        let now = AnalyzerTests.start.addingTimeInterval(30 * 86_400)
        let r = try await ExperimentAnalyzer(store: store).analyze(RolloutState(experiment: e, stageStartedAt: AnalyzerTests.start), now: now)
        for key in ["tickets", "tickets_guard"] {
            let (m, t) = try treatment(r, key)
            #expect(m.cupedWindowDays == MetricDefinition.defaultCupedWindowDays, "\(key)")
            #expect((t.cupedVarianceReduction ?? 0) > 0.3, "\(key): \(String(describing: t.cupedVarianceReduction))")
        }
        for key in ["tickets_off", "tickets_secondary"] {
            let (m, t) = try treatment(r, key)
            #expect(m.cupedWindowDays == nil, "\(key)")
            #expect(t.cupedVarianceReduction == nil, "\(key)")
        }
        // The guardrail's bounds are the adjusted ones: narrower than the same guardrail without CUPED.
        let adjusted = try #require(try treatment(r, "tickets_guard").1.guardrailBounds)
        let plain = try #require(try treatment(r, "tickets_off").1.guardrailBounds)
        #expect((adjusted.upper ?? .nan) - (adjusted.estimate ?? .nan) < (plain.upper ?? .nan) - (plain.estimate ?? .nan))
    }

    @Test func noDataInTheWindowMeansNoAdjustment() async throws {
        // AnalyzerTests' world has no events before any unit's first exposure.
        let r = try await AnalyzerTests.report(AnalyzerTests.World())
        let primary = try #require(r.metrics.first { $0.key == "resolved" })
        #expect(primary.cupedWindowDays == nil)
        #expect(primary.variants.allSatisfy { $0.cupedVarianceReduction == nil })
    }

    @Test func theWindowInForce() {
        func metric(_ role: MetricRole?, _ kind: MetricKind, _ days: Double?) -> Double? {
            MetricDefinition(key: "m", role: role, kind: kind, cupedWindowDays: days).effectiveCupedWindowDays
        }
        #expect(metric(.primary, .proportion, nil) == 14)
        #expect(metric(.guardrail, .mean, nil) == 14)
        #expect(metric(.guardrail, .mean, 7) == 7)
        #expect(metric(.primary, .mean, 0) == nil)
        #expect(metric(.secondary, .mean, nil) == nil)
        #expect(metric(.secondary, .mean, 7) == 7)
        #expect(metric(.guardrail, .quantile, nil) == nil)
        #expect(metric(.guardrail, .ratio, 14) == nil)
        #expect(metric(nil, .mean, nil) == nil)
    }
}
