import Foundation
import Testing
import RampartCore
@testable import RampartConfig

/// `Experiment.fileFormat`: what GET /v1/experiments/{key} returns must read back as the same experiment, through
/// the same loader that reads files and PUT bodies (issue 11, item 4).
@Suite("Experiment file format")
struct FileFormatTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func bundled() throws -> [LoadedExperiment] {
        try ExperimentLoader.loadDirectory(root.appendingPathComponent("experiments").path)
            + ExperimentLoader.loadDirectory(root.appendingPathComponent("fixtures/experiments").path, crossCheck: false)
    }

    /// An experiment that sets every optional field the format has.
    static func everything() -> Experiment {
        let payload = VariantPayload(promptName: "p", promptVersionId: "v1", model: "m", provider: "x", parameters: ["temperature": 0.2, "tools": ["search"]])
        return Experiment(
            key: "everything", name: "Every field", description: "all of them", owner: "me@example.com", hypothesis: "h",
            status: .shipped, unit: "session_id", salt: "s", phase: 2,
            variants: [Variant(key: "control", weight: 0.25, payload: payload), Variant(key: "treatment", weight: 0.75, payload: payload)],
            control: "control", targeting: ["plan": ["$in": ["pro", "enterprise"]]], coverage: 0.05,
            namespace: Namespace(id: "ns", start: 0.1, end: 0.6),
            ramp: [RampStep(coverage: 0.05, minDuration: 5_400, minUnitsPerVariant: 100, requiresApproval: true), RampStep(coverage: 1)],
            metrics: [
                MetricDefinition(key: "resolved", name: "Resolved", role: .primary, kind: .proportion, event: "support_ticket_resolved", filter: ["channel": "email"], cupedWindowDays: 14),
                MetricDefinition(key: "tokens", role: .secondary, kind: .mean, event: "llm_request_completed", value: "output_tokens", direction: .decrease, winsorize: 20_000),
                MetricDefinition(key: "p95", role: .guardrail, kind: .quantile, event: "llm_request_completed", value: "latency_ms", quantile: 0.95, direction: .decrease, threshold: .ceiling(4_000)),
                MetricDefinition(key: "cost", kind: .mean, event: "llm_request_completed", value: "estimated_cost_usd", direction: .decrease),
                MetricDefinition(key: "per_resolved", role: .guardrail, kind: .ratio, numerator: "cost", denominator: "resolved", direction: .decrease, threshold: .absoluteMargin(0.001)),
                MetricDefinition(key: "escalated", role: .guardrail, kind: .proportion, event: "llm_task_completed", filter: ["escalated_to_human": true], direction: .decrease, threshold: .relativeMargin(0.02), segments: ["plan": ["enterprise", "pro"]]),
            ],
            analysis: AnalysisSettings(alpha: 0.01, sequential: false, sequentialTuning: 12_345, srmThreshold: 1e-4, servedMismatchThreshold: 0.02, traceURL: "https://traces.example.com/trace/{trace_id}", segments: ["plan", "country"], segmentMinimumUnits: 250),
            shippedVariant: "treatment"
        )
    }

    @Test func everyBundledExperimentReadsBackIdentically() throws {
        let loaded = try Self.bundled()
        #expect(loaded.count >= 3)
        for file in loaded {
            let e = try #require(file.experiment, "\(file.file)")
            let text = e.fileFormat.jsonText
            let back = ExperimentLoader.parse(yaml: text, file: "GET body")
            #expect(back.problems.filter { $0.severity == .error }.isEmpty, "\(file.file): \(back.problems)")
            #expect(back.experiment == e, "\(file.file)")
            #expect(!text.contains("\"_0\"") && !text.contains("relativeMargin") && !text.contains("\"analysis\""), "no Swift-synthesized encoding: \(text)")
        }
    }

    @Test func everyFieldIsWrittenInTheFileFormatAndReadsBack() throws {
        let e = Self.everything()
        let json = e.fileFormat
        let back = ExperimentLoader.parse(yaml: json.jsonText, file: "GET body")
        #expect(back.problems.filter { $0.severity == .error }.isEmpty, "\(back.problems)")
        #expect(back.experiment == e)
        // Every key a file may have is written, so a field added to the format cannot be dropped by GET silently.
        #expect(Set(json.objectValue?.keys.map { $0 } ?? []) == ExperimentLoader.topLevelKeys)
        let metricKeys = Set((json["metrics"]?.arrayValue ?? []).flatMap { $0.objectValue?.keys.map { $0 } ?? [] })
        #expect(metricKeys == MetricReader.keys)
        #expect(json["metrics"]?.arrayValue?[4]["threshold"] == ["absolute_margin": 0.001])
        #expect(json["ramp"]?.arrayValue?[0]["min_duration"] == 5_400)
        #expect(json["namespace"] == ["id": "ns", "range": [0.1, 0.6]])
    }
}
