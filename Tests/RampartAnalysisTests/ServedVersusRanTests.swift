import Foundation
import Testing
import RampartConfig
import RampartCore
import RampartStore
@testable import RampartAnalysis

/// Served vs. ran: a treatment whose LLM events ran another prompt version than it serves holds the verdict.
@Suite("Served vs. ran")
struct ServedVersusRanTests {
    /// AnalyzerTests' clear win at stage 1 (ADVANCE), plus one `llm_request_started` per treatment unit naming
    /// the control's prompt version (`v1`) for every `every`-th unit and its own (`v2`) otherwise, `offset` seconds
    /// after the unit's exposure.
    static func report(mismatchEvery every: Int?, offset: Double = 5, threshold: Double? = nil, asOf: Double = 3 * 86_400) async throws -> ExperimentReport {
        var e = try AnalyzerTests.experiment()
        if let threshold { e.analysis.servedMismatchThreshold = threshold }
        e.coverage = e.ramp[0].coverage
        let world = AnalyzerTests.World()
        var events = AnalyzerTests.events(world)
        for i in stride(from: 1, to: 2 * world.units, by: 2) {
            let wrong = every.map { (i / 2) % $0 == 0 } ?? false
            let t = AnalyzerTests.start.addingTimeInterval(Double(i) + offset)
            events.append(Event(id: UUID(), name: "llm_request_started", unit: "u\(i)", timestamp: t, properties: [
                "prompt_version_id": .string(wrong ? "v1" : "v2"), "model": "small",
            ]))
        }
        let store = try SQLiteEventStore(inMemoryWith: .init())
        _ = try await store.ingest(events)
        let state = RolloutState(experiment: e, stageIndex: 0, stageStartedAt: AnalyzerTests.start)
        return try await ExperimentAnalyzer(store: store).analyze(state, now: AnalyzerTests.start.addingTimeInterval(asOf))
    }

    @Test func aTreatmentThatRanTheControlPromptHoldsWithDataQuality() async throws {
        let r = try await Self.report(mismatchEvery: 10)
        #expect(r.verdict.action == .hold, "\(r.verdict.reasons.map(\.message))")
        let reason = try #require(r.verdict.reasons.first { $0.kind == .dataQuality })
        #expect(reason.decisive)
        #expect(reason.variant == "treatment")
        #expect(reason.message.contains("prompt_version_id v1"), "\(reason.message)")
        #expect(reason.message.contains("above the 1% threshold"), "\(reason.message)")
        let served = try #require(r.servedVersusRan)
        let treatment = try #require(served.variants.first { $0.variant == "treatment" })
        // 6000 units × (3 completed requests naming the model + 1 started request); every 10th unit's start ran v1.
        #expect(treatment.events == 24_000)
        #expect(treatment.mismatched == 600)
        #expect(treatment.share == 0.025)
        #expect(treatment.aboveThreshold)
        #expect(treatment.top.count == 1)
        #expect(treatment.top.first?.promptVersionId == "v1")
        #expect(treatment.top.first?.events == 600)
        let control = try #require(served.variants.first { $0.variant == "control" })
        #expect(control.mismatched == 0)
        #expect(control.share == 0)
        #expect(r.warnings.contains { $0.hasPrefix("treatment ran another prompt version or model") })
        // The JSON names the field, and the text, Markdown and HTML reports show the section.
        let json = try r.json()
        #expect(json.contains("\"served_vs_ran\""))
        #expect(json.contains("\"above_threshold\" : true"))
        #expect(r.sections.contains(.servedVersusRan))
        #expect(r.text.contains("Served vs. ran"))
        #expect(r.text.contains("v1 / small × 600"))
        #expect(r.markdown.contains("## Served vs. ran"))
        #expect(r.html.contains("id=\"served-vs-ran\""))
    }

    @Test func underTheThresholdTheVerdictDoesNotHold() async throws {
        // Every 200th unit: 30 of 24,000 events, 0.125 %.
        let r = try await Self.report(mismatchEvery: 200)
        #expect(r.verdict.action == .advance, "\(r.verdict.reasons.map(\.message))")
        #expect(!r.verdict.reasons.contains { $0.kind == .dataQuality })
        let treatment = try #require(r.servedVersusRan?.variants.first { $0.variant == "treatment" })
        #expect(treatment.mismatched == 30)
        #expect(!treatment.aboveThreshold)
        #expect(r.warnings.isEmpty)
    }

    @Test func theThresholdIsTheExperiments() async throws {
        let r = try await Self.report(mismatchEvery: 200, threshold: 0.001)
        #expect(r.verdict.action == .hold)
        #expect(r.verdict.reasons.contains { $0.kind == .dataQuality && $0.variant == "treatment" && $0.message.contains("above the 0.1% threshold") })
        #expect(r.servedVersusRan?.threshold == 0.001)
    }

    @Test func mismatchesAfterTheMomentAnalysedDoNotCount() async throws {
        // The mismatching starts happen four days after exposure; the report is as of day three.
        let r = try await Self.report(mismatchEvery: 10, offset: 4 * 86_400)
        #expect(r.verdict.action == .advance, "\(r.verdict.reasons.map(\.message))")
        #expect(r.servedVersusRan?.variants.first { $0.variant == "treatment" }?.mismatched == 0)
    }

    @Test func thresholdAndTraceURLAreValidatedNamingTheField() throws {
        let base = AnalyzerTests.yaml
        let bad = ExperimentLoader.parse(yaml: base + "\nserved_mismatch_threshold: 1.5\ntrace_url: traces.example.com/trace\n", file: "demo.yaml")
        let fields = bad.problems.map(\.field)
        #expect(fields.contains("served_mismatch_threshold"), "\(bad.problems)")
        #expect(fields.contains("trace_url"), "\(bad.problems)")
        #expect(bad.problems.first { $0.field == "trace_url" }?.message.contains("{trace_id}") == true)
        let good = ExperimentLoader.parse(yaml: base + "\nserved_mismatch_threshold: 0.05\ntrace_url: \"https://traces.example.com/trace/{trace_id}\"\n", file: "demo.yaml")
        #expect(good.problems.isEmpty, "\(good.problems)")
        #expect(good.experiment?.analysis.servedMismatchThreshold == 0.05)
        #expect(good.experiment?.analysis.traceURL == "https://traces.example.com/trace/{trace_id}")
        #expect(TraceLink.url(template: good.experiment?.analysis.traceURL, traceID: "ab/c d") == "https://traces.example.com/trace/ab%2Fc%20d")
        #expect(TraceLink.problem(template: "ftp://x/{trace_id}") != nil)
    }
}
