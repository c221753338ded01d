import ArgumentParser
import Foundation
import Testing
import RampartCore
@testable import RampartCLI

/// `rampart report KEY --by ATTR`: the segments section in the JSON and text, and an unknown attribute named.
@Suite("report --by", .serialized)
struct SegmentReportCommandTests {
    static let root = RolloutCommandsTests.root

    /// The bundled support-answer-prompt with `segments: [plan]`, alone in a directory.
    static func experiments(_ dir: URL) throws -> String {
        let folder = dir.appendingPathComponent("experiments")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let yaml = try String(contentsOf: root.appendingPathComponent("experiments/support-answer-prompt.yaml"), encoding: .utf8)
        try (yaml + "\nsegments: [plan]\n").write(to: folder.appendingPathComponent("support-answer-prompt.yaml"), atomically: true, encoding: .utf8)
        return folder.path
    }

    /// 40 units per plan and variant; exposures carry `plan`.
    static func events(_ dir: URL) throws -> String {
        var lines: [String] = []
        var i = 0
        for plan in ["free", "enterprise"] {
            for _ in 0..<80 {
                let variant = i % 2 == 0 ? "control" : "treatment"
                lines.append(#"{"uuid":"\#(UUID().uuidString)","event":"exposure","unit":"u\#(i)","timestamp":"2026-06-01T00:00:00Z","properties":{"experiment":"support-answer-prompt","variant":"\#(variant)","plan":"\#(plan)"}}"#)
                if i % 3 == 0 {
                    lines.append(#"{"uuid":"\#(UUID().uuidString)","event":"support_ticket_resolved","unit":"u\#(i)","timestamp":"2026-06-01T00:01:00Z","properties":{}}"#)
                }
                i += 1
            }
        }
        let path = dir.appendingPathComponent("events.ndjson").path
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func theReportBySegment() async throws {
        let (db, dir) = try RolloutCommandsTests.database()
        let experiments = try Self.experiments(dir)
        try await RolloutCommandsTests.run(IngestCommand.self, ["--db", db, try Self.events(dir)])
        let common = ["support-answer-prompt", "--db", db, "--experiments", experiments, "--as-of", "2026-06-02T00:00:00Z", "--by", "plan"]
        let out = dir.appendingPathComponent("report.json").path
        try await RolloutCommandsTests.run(ReportCommand.self, common + ["--format", "json", "-o", out])
        let json = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: URL(fileURLWithPath: out)))
        #expect(json["schema"] == "rampart.report/v1")
        let segments = try #require(json["segments"])
        #expect(segments["attribute"] == "plan")
        let values = segments["values"]?.arrayValue ?? []
        #expect(values.compactMap { $0["value"]?.stringValue }.sorted() == ["enterprise", "free"])
        #expect(values.allSatisfy { $0["units"]?["control"] == 40 && $0["units"]?["treatment"] == 40 })
        // 40 units per variant is below the default minimum of 100: too few units, no effect.
        #expect(values.allSatisfy { $0["too_few_units"] == true })

        let text = dir.appendingPathComponent("report.txt").path
        try await RolloutCommandsTests.run(ReportCommand.self, common + ["-o", text])
        let body = try String(contentsOfFile: text, encoding: .utf8)
        #expect(body.contains("By segment") && body.contains("too few units"))
    }

    @Test func anUnknownAttributeIsNamed() async throws {
        let (db, dir) = try RolloutCommandsTests.database()
        let experiments = try Self.experiments(dir)
        try await RolloutCommandsTests.run(IngestCommand.self, ["--db", db, try Self.events(dir)])
        do {
            try await RolloutCommandsTests.run(ReportCommand.self, ["support-answer-prompt", "--db", db, "--experiments", experiments, "--by", "email", "-o", dir.appendingPathComponent("x").path])
            Issue.record("--by email should fail")
        } catch let failure as CLIFailure {
            #expect(failure.description.contains("--by email") && failure.description.contains("plan"))
        }
    }
}
