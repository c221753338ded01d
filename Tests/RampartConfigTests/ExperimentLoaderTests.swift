import Foundation
import Testing
import RampartCore
@testable import RampartConfig

@Suite("Experiment loading")
struct ExperimentLoaderTests {
    static let experimentsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("experiments").path

    @Test func bundledExperimentsAreValid() throws {
        let loaded = try ExperimentLoader.loadDirectory(Self.experimentsDirectory)
        #expect(loaded.count >= 2)
        for file in loaded {
            #expect(file.problems.isEmpty, "\(file.file): \(file.problems)")
        }
    }

    @Test func supportAnswerPromptReadsAsSpecified() throws {
        let loaded = ExperimentLoader.load(path: Self.experimentsDirectory + "/support-answer-prompt.yaml")
        let e = try #require(loaded.experiment)
        #expect(e.key == "support-answer-prompt")
        #expect(e.status == .running)
        #expect(e.unit == "user_id")
        #expect(e.salt == "support-answer-prompt")
        #expect(e.control == "control")
        #expect(e.variants.map(\.payload.promptVersionId) == ["pv_2026_05_21_001", "pv_2026_06_04_003"])
        #expect(e.variants.allSatisfy { $0.payload.model == "gpt-4.1-mini" })
        #expect(e.variants[0].payload.parameters["temperature"] == .number(0.2))
        #expect(e.ramp.map(\.coverage) == [0.01, 0.05, 0.25, 0.5, 1])
        #expect(e.ramp[0].minDuration == 86_400)
        #expect(e.ramp[2].requiresApproval)
        #expect(e.primaryMetric?.key == "resolution_rate")
        #expect(e.metric("escalation_rate")?.threshold == .relativeMargin(0.02))
        #expect(e.metric("p95_latency")?.threshold == .ceiling(4000))
        #expect(e.metric("p95_latency")?.quantile == 0.95)
        #expect(e.metric("cost_per_resolved_ticket")?.threshold == .ceiling(0.03))
        #expect(e.metric("cost_per_resolved_ticket")?.numerator == "llm_cost")
        #expect(e.analysis.alpha == 0.05)
        #expect(e.analysis.sequential)
        #expect(e.targeting?["environment"] == "production")
    }

    @Test func defaultsApply() throws {
        let yaml = """
            key: minimal
            variants:
              - { key: a, weight: 0.5, payload: { prompt_name: p, prompt_version_id: v1, model: m, provider: x } }
              - { key: b, weight: 0.5, payload: { prompt_name: p, prompt_version_id: v2, model: m, provider: x } }
            """
        let loaded = ExperimentLoader.parse(yaml: yaml, file: "minimal.yaml")
        #expect(loaded.problems.isEmpty, "\(loaded.problems)")
        let e = try #require(loaded.experiment)
        #expect(e.salt == "minimal")
        #expect(e.unit == "user_id")
        #expect(e.phase == 0)
        #expect(e.control == "a")
        #expect(e.coverage == 1)
        #expect(e.status == .draft)
        #expect(e.analysis == AnalysisSettings())
    }
}
