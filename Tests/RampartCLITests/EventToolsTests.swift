import ArgumentParser
import Foundation
import RampartConfig
import RampartCore
import RampartSimulation
import RampartStore
import Testing
@testable import RampartCLI

@Suite("Ingest and simulate")
struct EventToolsTests {
    static let root = CLITests.root
    static let experimentFile = root.appendingPathComponent("experiments/support-answer-prompt.yaml").path

    static func experiment(_ name: String = "support-answer-prompt") throws -> Experiment {
        try #require(ExperimentLoader.load(path: root.appendingPathComponent("experiments/\(name).yaml").path).experiment)
    }

    static func simulate(_ name: String = "support-answer-prompt", units: Int = 300, seed: UInt64 = 9, effects: [SimulationEffect: Double] = [:]) throws -> (bytes: [UInt8], truth: SimulationTruth) {
        var settings = SimulationSettings()
        settings.units = units
        settings.seed = seed
        settings.days = 3
        settings.effects = effects
        settings.multiExposureRate = 0.02
        return Simulator(experiment: try experiment(name), settings: settings).ndjson()
    }

    @Test func simulationIsDeterministicForASeed() throws {
        let a = try Self.simulate(seed: 5)
        let b = try Self.simulate(seed: 5)
        let c = try Self.simulate(seed: 6)
        #expect(a.bytes == b.bytes)
        #expect(a.bytes != c.bytes)
    }

    /// Every event a metric of the bundled experiments reads is generated, with the properties it filters on.
    @Test(arguments: ["support-answer-prompt", "triage-model-swap"])
    func simulationFeedsEveryMetric(_ name: String) async throws {
        let experiment = try Self.experiment(name)
        let (bytes, _) = try Self.simulate(name, units: 400)
        let store = try SQLiteEventStore(inMemoryWith: .init(cacheSizeMiB: 8))
        let summary = try await NDJSONIngester(parser: EventParser()).run(ByteChunkReader(bytes: bytes, chunkSize: 50_000), into: store)
        #expect(summary.rejected == 0)
        #expect(summary.result.stored == summary.lines)
        let scope = ExperimentScope(experiment)
        let attribution = try await store.attribution(scope)
        #expect(Set(attribution.enrolled.keys) == Set(experiment.variants.map(\.key)))
        #expect(attribution.multiVariantUnits > 0)
        for metric in experiment.metrics where metric.kind != .ratio {
            let query = try MetricQuery(metric)
            if metric.kind == .quantile {
                let q = try await store.quantileStatistics(query, level: metric.quantile!, in: scope)
                for variant in experiment.variants { #expect((q.variants[variant.key]?.events ?? 0) > 100, "\(metric.key)") }
            } else {
                let stats = try await store.statistics(query, in: scope)
                // Presence: the rarest (failed requests, 2 % of 2.5 requests a unit) averages ~10 units per arm here,
                // so "more than 5" failed for about 7 % of seeds.
                for variant in experiment.variants {
                    #expect((stats.unitsWithEvents[variant.key] ?? 0) > 0, "\(metric.key) \(variant.key)")
                }
            }
        }
    }

    @Test func aTrueEffectShowsUpInTheStore() async throws {
        let (bytes, truth) = try Self.simulate(units: 3000, effects: [.resolution: 0.8, .latency: 0.5])
        let store = try SQLiteEventStore(inMemoryWith: .init(cacheSizeMiB: 16))
        _ = try await NDJSONIngester(parser: EventParser()).run(ByteChunkReader(bytes: bytes), into: store)
        let scope = ExperimentScope(key: "support-answer-prompt")
        let resolution = try await store.statistics(MetricQuery(event: "support_ticket_resolved", aggregation: .indicator), in: scope)
        let control = try #require(resolution.variants["control"]?.mean)
        let treatment = try #require(resolution.variants["treatment"]?.mean)
        #expect(treatment / control > 1.5)
        #expect(treatment / control < 2.1)
        let expected = try #require(truth.variants["treatment"]).expectedResolution / Double(truth.variants["treatment"]!.units)
        #expect(abs(treatment - expected) < 0.05)
        let latency = try await store.quantileStatistics(MetricQuery(event: "llm_request_completed", value: "latency_ms"), level: 0.5, in: scope)
        let ratio = latency.variants["treatment"]!.estimate / latency.variants["control"]!.estimate
        #expect(ratio > 1.35 && ratio < 1.65)
    }

    @Test func effectsParse() throws {
        let effects = try SimulateCommand.parseEffects(["resolution=+4%", "escalation=30%", "latency=0.15", "cost=-10%"])
        #expect(effects == [.resolution: 0.04, .escalation: 0.30, .latency: 0.15, .cost: -0.10])
        #expect(throws: (any Error).self) { try SimulateCommand.parseEffects(["speed=+4%"]) }
        #expect(throws: (any Error).self) { try SimulateCommand.parseEffects(["latency=fast"]) }
        #expect(throws: (any Error).self) { try SimulateCommand.parseEffects(["latency=-150%"]) }
        // A number without % is a fraction; one that cannot be a fraction is refused instead of meaning +400 %.
        do {
            _ = try SimulateCommand.parseEffects(["resolution=+4"])
            Issue.record("resolution=+4 was accepted")
        } catch let error as ValidationError {
            #expect(error.message.contains("+4%") && error.message.contains("fraction"), "\(error.message)")
        }
        #expect(try SimulateCommand.parseEffects(["resolution=+400%"]) == [.resolution: 4])
    }

    @Test func negativeNumbersAreRefusedAsSuch() throws {
        for (option, value, text) in [("--units", "-5", "--units must be a positive whole number, got -5"), ("--days", "-1", "--days must be positive, got -1.0"), ("--coverage", "-0.5", "--coverage must be above 0")] {
            let command = try SimulateCommand.parse(["experiments/support-answer-prompt.yaml", option, value])
            do {
                _ = try command.settings()
                Issue.record("\(option) \(value) was accepted")
            } catch let error as ValidationError {
                #expect(error.message.hasPrefix(text), "\(error.message)")
            }
        }
    }

    /// The reader's chunks, from a file or from memory: they grow from a quarter of the chunk size to the chunk
    /// size, each ends on a line boundary (the last may not), together they are the input, and their line counts
    /// add up.
    @Test(arguments: [true, false])
    func chunksEndOnLinesAndRampUp(lastLineEnds: Bool) throws {
        let lines = (0..<500).map { i in String(repeating: "x", count: i % 37) + "\(i)" }
        let text = lines.joined(separator: "\n") + (lastLineEnds ? "\n" : "")
        let file = try CLITests.temporaryDirectory().appendingPathComponent("lines.ndjson")
        try text.write(to: file, atomically: true, encoding: .utf8)
        for reader in [try ByteChunkReader(path: file.path, chunkSize: 1_000), ByteChunkReader(bytes: Array(text.utf8), chunkSize: 1_000)] {
            var chunks: [[UInt8]] = []
            while let chunk = try reader.next() { chunks.append(chunk) }
            #expect(chunks.joined().elementsEqual(text.utf8))
            #expect(chunks.dropLast().allSatisfy { $0.last == 0x0A })
            #expect(chunks[0].count <= 250 + 60)  // a quarter of the chunk size, plus the end of a line
            #expect(chunks[1].count <= 500 + 60)
            #expect(chunks.dropFirst(2).dropLast().allSatisfy { $0.count > 500 })
            #expect(chunks.map(NDJSONIngester.lineCount).reduce(0, +) == 500)
        }
        #expect(NDJSONIngester.lineCount([]) == 0)
        #expect(NDJSONIngester.lineCount(Array("a".utf8)) == 1)
        #expect(NDJSONIngester.lineCount(Array("a\n\nb".utf8)) == 3)
    }

    @Test func ingestReportsStoredDuplicatesAndRejections() async throws {
        let dir = try CLITests.temporaryDirectory()
        let file = dir.appendingPathComponent("events.ndjson")
        let good = [
            #"{"uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d10","event":"exposure","unit":"u1","timestamp":"2026-06-01T10:00:00Z","properties":{"experiment":"e","variant":"control"}}"#,
            #"{"uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d11","event":"llm_request_completed","unit":"u1","timestamp":"2026-06-01T10:00:01Z","properties":{"latency_ms":900,"prompt":"secret"}}"#,
        ]
        let bad = [
            #"{"uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d12","event":"llm_request_completed","unit":"u1","timestamp":"2026-06-01T10:00:02Z","properties":{"latency_ms":"slow"}}"#,
            #"{"uuid":"nope","event":"x","unit":"u1","timestamp":"2026-06-01T10:00:02Z"}"#,
        ]
        try (good + bad + [good[0]]).joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("events.sqlite").path
        let store = try SQLiteEventStore(path: db)
        let summary = try await NDJSONIngester(parser: EventParser()).run(ByteChunkReader(path: file.path), into: store)
        #expect(summary.lines == 5)
        #expect(summary.result.stored == 2)
        #expect(summary.result.duplicates == 1)
        #expect(summary.rejected == 2)
        let report = IngestCommand.report(summary, source: "events.ndjson", seconds: 0.1)
        #expect(report.contains("stored 2, duplicates 1, rejected 2"))
        #expect(report.contains("line 3 (6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d12): properties.latency_ms: expected a number, found a string"))
        #expect(report.contains("line 4: uuid: 'nope' is not a UUID"))
        // The raw prompt never reached the database.
        try await store.mergeStagedEvents()
        let props = try await store.rows("SELECT count(*) FROM events WHERE props LIKE '%secret%'")
        #expect(props.first?.first == 0)
    }

    /// A child process ingesting events is killed with SIGKILL partway; after a restart, every acknowledged event
    /// is there exactly once, and rerunning the same `rampart ingest` command completes the file without doubling
    /// anything.
    @Test func acknowledgedEventsSurviveSIGKILL() async throws {
        let binary = try Self.rampartBinary()
        let dir = try CLITests.temporaryDirectory()
        let file = dir.appendingPathComponent("events.ndjson")
        let (bytes, truth) = try Self.simulate(units: 6000)
        try Data(bytes).write(to: file)
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == truth.events)
        let db = dir.appendingPathComponent("events.sqlite").path

        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["ingest", "--db", db, "--progress", "--chunk-bytes", "60000", file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        var acknowledged = 0
        var buffer = Data()
        while acknowledged < lines.count / 3 {
            let data = pipe.fileHandleForReading.availableData
            if data.isEmpty { break }
            buffer.append(data)
            for line in String(decoding: buffer, as: UTF8.self).split(separator: "\n") where line.hasPrefix("acknowledged through line ") {
                acknowledged = max(acknowledged, Int(line.dropFirst("acknowledged through line ".count)) ?? 0)
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(acknowledged > 0)
        #expect(acknowledged < lines.count, "the child finished before it was killed; make the input larger")

        let reopened = try SQLiteEventStore(path: db)
        // Staged rows stay in `events_staged` until a writer merges them (opening merges nothing): read both.
        let stored = try await reopened.rows("SELECT lower(hex(uuid)) FROM events UNION ALL SELECT lower(hex(uuid)) FROM events_staged").compactMap { $0[0].stringValue }
        let storedSet = Set(stored)
        #expect(stored.count == storedSet.count)
        for line in lines.prefix(acknowledged) {
            let uuid = String(line.dropFirst(9).prefix(36)).replacingOccurrences(of: "-", with: "")
            #expect(storedSet.contains(uuid), "acknowledged event \(uuid) is missing")
        }
        // Rerunning the same command completes the job: what the killed run stored counts as duplicates.
        let rerun = Process()
        rerun.executableURL = URL(fileURLWithPath: binary)
        rerun.arguments = ["ingest", "--db", db, "--progress", "--chunk-bytes", "60000", file.path]
        let output = Pipe()
        rerun.standardOutput = output
        try rerun.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        rerun.waitUntilExit()
        #expect(rerun.terminationStatus == 0, "\(printed)")
        #expect(printed.contains("stored \(lines.count - stored.count), duplicates \(stored.count), rejected 0"), "\(printed)")
        #expect(printed.contains("acknowledged through line \(lines.count)"), "\(printed)")
        #expect(try await reopened.eventCount() == lines.count)
    }

    /// The `rampart` executable beside the test bundle.
    static func rampartBinary() throws -> String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("rampart").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        let fallback = root.appendingPathComponent(".build-events/debug/rampart").path
        if FileManager.default.isExecutableFile(atPath: fallback) { return fallback }
        throw CLIFailure("cannot find the rampart executable near \(CommandLine.arguments[0]); build it first")
    }
}
