import ArgumentParser
import Foundation
import Testing
import RampartConfig
import RampartCore
@testable import RampartCLI

@Suite("Command line")
struct CLITests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let experiments = root.appendingPathComponent("experiments").path

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Option values out of range are refused before anything runs (QA, session 29: `--port 99999` listened on
    /// 99999 − 65536, `--chunk-bytes 0` ignored the whole file and exited 0).
    @Test func outOfRangeOptionsAreRefused() throws {
        #expect(throws: (any Error).self) { try ServeCommand.parse(["--port", "99999"]) }
        #expect(throws: (any Error).self) { try ServeCommand.parse(["--port", "-1"]) }
        #expect(throws: Never.self) { try ServeCommand.parse(["--port", "65535"]) }
        #expect(throws: (any Error).self) { try IngestCommand.parse(["--chunk-bytes", "0", "events.ndjson"]) }
        #expect(throws: Never.self) { try IngestCommand.parse(["--chunk-bytes", "1", "events.ndjson"]) }
    }

    /// Foundation's file errors are said in words, naming the option and the path (found by QA in session 29:
    /// `Error Domain=NSCocoaErrorDomain Code=4 … UserInfo={…}`).
    @Test func fileErrorsNameTheOptionAndThePath() throws {
        var validate = try ValidateCommand.parse([Self.experiments, "--previous", "/nonexistent-rampart-dir"])
        do {
            try validate.run()
            Issue.record("validate read a missing --previous")
        } catch {
            let text = "\(RampartCommand.readable(error))"
            #expect(text == "--previous: cannot read the definitions in force from '/nonexistent-rampart-dir': No such file or directory", "\(text)")
        }
        do {
            try "x".write(toFile: "/nonexistent-rampart-dir/out.md", atomically: true, encoding: .utf8)
        } catch {
            let text = "\(RampartCommand.readable(error))"
            #expect(text.hasPrefix("'/nonexistent-rampart-dir/out.md': ") && !text.contains("NSCocoaErrorDomain"), "\(text)")
        }
        let other = CLIFailure("unchanged")
        #expect("\(RampartCommand.readable(other))" == "unchanged")
    }

    @Test func validatePassesOnTheBundledExperiments() throws {
        var command = try ValidateCommand.parse([Self.experiments])
        try command.run()
    }

    @Test func validateFailsOnABrokenFile() throws {
        let dir = try Self.temporaryDirectory()
        let file = dir.appendingPathComponent("broken.yaml")
        try "key: broken\ncoverage: 3\n".write(to: file, atomically: true, encoding: .utf8)
        var command = try ValidateCommand.parse([file.path])
        #expect(throws: ExitCode.failure) { try command.run() }
        let problems = try ValidateCommand.load([file.path]).flatMap(\.problems)
        #expect(problems.contains { $0.field == "coverage" && $0.line == 2 })
        #expect(problems.contains { $0.field == "variants" })
    }

    @Test func validateRefusesAReshuffleWithoutANewPhase() throws {
        let dir = try Self.temporaryDirectory()
        let source = try String(contentsOfFile: Self.experiments + "/support-answer-prompt.yaml", encoding: .utf8)
        let changed = source.replacingOccurrences(of: "    weight: 0.5", with: "    weight: 0.25", options: [], range: source.range(of: "    weight: 0.5"))
            .replacingOccurrences(of: "  - key: treatment\n    weight: 0.5", with: "  - key: treatment\n    weight: 0.75")
        try changed.write(to: dir.appendingPathComponent("support-answer-prompt.yaml"), atomically: true, encoding: .utf8)
        var command = try ValidateCommand.parse([dir.path, "--previous", Self.experiments])
        #expect(throws: ExitCode.failure) { try command.run() }
        // Each change is reported at the weight line that changed, not at `phase:`.
        var loaded = try ValidateCommand.load([dir.path])
        ValidateCommand.checkReshuffles(&loaded, previous: try ExperimentLoader.loadDirectory(Self.experiments).compactMap(\.experiment))
        let lines = changed.split(separator: "\n", omittingEmptySubsequences: false)
        let reshuffles = loaded.flatMap(\.problems).filter { $0.message.contains("start a new phase") }
        #expect(reshuffles.map(\.field) == ["variants[0].weight", "variants[1].weight"])
        for problem in reshuffles {
            #expect(lines[problem.line - 1].contains("weight: 0."), "\(problem) points at '\(lines[problem.line - 1])'")
        }

        let bumped = changed.replacingOccurrences(of: "phase: 0", with: "phase: 1")
        try bumped.write(to: dir.appendingPathComponent("support-answer-prompt.yaml"), atomically: true, encoding: .utf8)
        var again = try ValidateCommand.parse([dir.path, "--previous", Self.experiments])
        try again.run()
    }

    @Test func assignTakesNestedAttributesAsJSON() throws {
        let dir = try Self.temporaryDirectory()
        let source = try String(contentsOfFile: Self.experiments + "/support-answer-prompt.yaml", encoding: .utf8)
        let nested = source.replacingOccurrences(of: "targeting:\n  environment: production\n", with: "targeting:\n  company.tier: gold\n  environment: production\n")
        #expect(nested != source)
        try nested.write(to: dir.appendingPathComponent("support-answer-prompt.yaml"), atomically: true, encoding: .utf8)
        func reason(_ arguments: [String]) throws -> String {
            let command = try AssignCommand.parse(["--experiments", dir.path, "--experiment", "support-answer-prompt", "--unit", "user-58"] + arguments)
            let experiment = try command.experiments.load(key: "support-answer-prompt")
            let attributes = try AssignCommand.parseContext(command.context).merging(try AssignCommand.parseAttributes(command.attributes)) { _, attr in attr }
            return CompiledExperiment(experiment).assign(unit: "user-58", attributes: attributes).reason.rawValue
        }
        let gold = #"company={"tier":"gold"}"#
        #expect(try reason(["--attr", "environment=production", "--attr", "plan=free", "--attr", gold]) == "TARGETING_MATCH")
        #expect(try reason(["--attr", "environment=production", "--attr", "plan=free", "--attr", #"company={"tier":"silver"}"#]) != "TARGETING_MATCH")
        #expect(try reason(["--context", #"{"environment":"production","plan":"free","company":{"tier":"gold"}}"#]) == "TARGETING_MATCH")
        // --attr wins over a member of --context.
        #expect(try reason(["--context", #"{"environment":"staging","plan":"free","company":{"tier":"gold"}}"#, "--attr", "environment=production"]) == "TARGETING_MATCH")

        #expect(try AssignCommand.parseAttributes(["tags=[\"a\",1]"]) == ["tags": ["a", 1]])
        #expect(try AssignCommand.parseAttributes(["name=\"007\""]) == ["name": "007"])
        #expect(try AssignCommand.parseAttributes(["n=007"]) == ["n": 7])
        #expect(throws: ValidationError.self) { try AssignCommand.parseAttributes(["company={tier:gold}"]) }
        #expect(throws: ValidationError.self) { try AssignCommand.parseContext("[1]") }
        do {
            _ = try AssignCommand.parseAttributes(["company={tier:gold}"])
        } catch let error as ValidationError {
            #expect(error.message.contains("--attr company"))
        }
    }

    @Test func assignReportsVariantPayloadBucketAndReason() throws {
        let command = try AssignCommand.parse([
            "--experiments", Self.experiments, "--experiment", "support-answer-prompt", "--unit", "user-58",
            "--attr", "environment=production", "--attr", "plan=free", "--format", "json",
        ])
        let experiment = try command.experiments.load(key: "support-answer-prompt")
        let attributes = try AssignCommand.parseAttributes(command.attributes)
        let a = CompiledExperiment(experiment).assign(unit: "user-58", attributes: attributes)
        let json = AssignCommand.json(a, unit: "user-58")
        #expect(json["variant"] == "treatment")
        #expect(json["enrolled"] == true)
        #expect(json["bucket"] == 0.502)
        #expect(json["reason"] == "TARGETING_MATCH")
        #expect(json["payload"]?["prompt_version_id"] == "pv_2026_06_04_003")
        #expect(AssignCommand.text(a, unit: "user-58").contains("reason      TARGETING_MATCH"))
    }

    @Test func attributesParseIntoTypedValues() throws {
        let parsed = try AssignCommand.parseAttributes(["plan=pro", "age=42", "beta=true", "note=a=b"])
        #expect(parsed == ["plan": "pro", "age": 42, "beta": true, "note": "a=b"])
        #expect(throws: ValidationError.self) { try AssignCommand.parseAttributes(["novalue"]) }
    }

    @Test func unknownExperimentIsAClearError() throws {
        let command = try AssignCommand.parse(["--experiments", Self.experiments, "--experiment", "nope", "--unit", "u"])
        #expect(throws: CLIFailure.self) { try command.experiments.load(key: "nope") }
    }

    @Test func formatsAreValidated() {
        #expect(throws: (any Error).self) {
            try AssignCommand.parse(["--experiment", "x", "--unit", "u", "--format", "xml"])
        }
    }
}
