import Foundation
import Testing
import RampartCore
import RampartStore
@testable import RampartAnalysis

/// The console overview's verdict-only analysis gives the report's verdict, reasons, units, sample-ratio test and
/// metrics (primary and guardrails, a quantile and a ratio of role-less parts among them), reading less.
@Suite("Verdict-only analysis")
struct VerdictDepthTests {
    static func worlds() -> [(String, AnalyzerTests.World, Int)] {
        var regression = AnalyzerTests.World()
        regression.escalate["treatment"] = 0.30
        var slow = AnalyzerTests.World()
        slow.latency["treatment"] = 3_000
        var missing = AnalyzerTests.World()
        missing.requestsOmitted = true
        var small = AnalyzerTests.World()
        small.units = 300
        return [("ship", AnalyzerTests.World(), 1), ("advance", AnalyzerTests.World(), 0), ("regression", regression, 0),
                ("slow", slow, 0), ("missing metric", missing, 0), ("too few units", small, 0)]
    }

    @Test func theVerdictOnlyAnalysisMatchesTheFullReport() async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for (name, world, stage) in Self.worlds() {
            var e = try AnalyzerTests.experiment()
            e.coverage = e.ramp[stage].coverage
            let state = RolloutState(experiment: e, stageIndex: stage, stageStartedAt: AnalyzerTests.start)
            let analyzer = ExperimentAnalyzer(store: try await AnalyzerTests.store(world))
            let now = AnalyzerTests.start.addingTimeInterval(3 * 86_400)
            let full = try await analyzer.analyze(state, now: now)
            let light = try await analyzer.analyze(state, now: now, depth: .verdict)
            #expect(light.verdict == full.verdict, "\(name)")
            #expect(try encoder.encode(light.metrics) == encoder.encode(full.metrics), "\(name)")
            #expect(try encoder.encode(light.units) == encoder.encode(full.units), "\(name)")
            #expect(try encoder.encode(light.srm) == encoder.encode(full.srm), "\(name)")
            #expect(try encoder.encode(light.stage) == encoder.encode(full.stage), "\(name)")
            #expect(light.warnings == full.warnings, "\(name)")
            // What it leaves out.
            #expect(light.timeline.isEmpty && light.funnel.isEmpty && light.cost.isEmpty && (light.plan?.metrics.isEmpty ?? true), "\(name)")
            #expect(!full.funnel.isEmpty, "\(name)")
        }
    }

    @Test func theVerdictOnlyRequestReadsOnlyTheMetricsWithARoleAndTheirParts() throws {
        let e = try AnalyzerTests.experiment()
        let full = AnalysisPlan(e)
        let light = AnalysisPlan(e, depth: .verdict)
        #expect(light.request.timeline == nil && full.request.timeline != nil)
        #expect(light.funnel.isEmpty && light.cost.isEmpty)
        #expect(light.request.metrics.count < full.request.metrics.count)
        // The ratio guardrail's role-less numerator and denominator are read; the funnel's events are not.
        #expect(Set(light.metrics.keys) == ["resolved", "escalation", "p95", "cost", "tickets"])
        #expect(light.ratios.keys.sorted() == ["cost_per_resolved"])
        #expect(ExperimentAnalyzer.eventNames(for: e, depth: .verdict) == [EventName.exposure, "support_ticket_resolved", "llm_task_completed", "llm_request_completed"])
    }
}
