import Foundation
import RampartCore
import RampartSimulation
import RampartStore
import Testing
@testable import RampartCLI

/// The shipped fixtures ingest cleanly and agree with the ground truth recorded beside them.
@Suite("Fixtures")
struct FixtureTests {
    static let directory = CLITests.root.appendingPathComponent("fixtures")

    @Test(arguments: ["support-aa", "support-win", "support-guardrail", "triage-swap"])
    func fixtureMatchesItsGroundTruth(_ name: String) async throws {
        let truthData = try Data(contentsOf: Self.directory.appendingPathComponent("\(name).truth.json"))
        let truth = try JSONDecoder().decode(GroundTruth.self, from: truthData)
        let store = try SQLiteEventStore(inMemoryWith: .init(cacheSizeMiB: 16))
        let reader = try ByteChunkReader(path: Self.directory.appendingPathComponent("\(name).ndjson.gz").path)
        let summary = try await NDJSONIngester(parser: EventParser()).run(reader, into: store)
        #expect(summary.rejected == 0)
        #expect(summary.result.stored == truth.generated.events)

        let scope = ExperimentScope(key: truth.experiment)
        let attribution = try await store.attribution(scope)
        let multi = truth.generated.variants.values.map(\.multiExposed).reduce(0, +)
        #expect(attribution.multiVariantUnits == multi)
        for (variant, generated) in truth.generated.variants {
            let enrolled = attribution.enrolled[variant] ?? 0
            #expect(enrolled == generated.enrolled - generated.multiExposed, "\(variant)")
            // Task outcomes: one task per unit, always after its first exposure.
            let completed = try await store.statistics(MetricQuery(event: "llm_task_completed", filter: ["task_completed": true], aggregation: .indicator), in: scope)
            let sum = Int(completed.variants[variant]?.sum ?? 0)
            #expect(sum <= generated.completed && sum >= generated.completed - generated.multiExposed, "\(variant)")
        }
        // The recorded settings regenerate the same stream.
        let experimentFile = truth.experiment == "triage-model-swap" ? "triage-model-swap" : "support-answer-prompt"
        let experiment = try #require(ExperimentLoaderAccess.load(experimentFile))
        let regenerated = Simulator(experiment: experiment, settings: truth.settings).generate()
        #expect(regenerated.events.count == truth.generated.events)
    }
}

import RampartConfig

enum ExperimentLoaderAccess {
    static func load(_ name: String) -> Experiment? {
        ExperimentLoader.load(path: CLITests.root.appendingPathComponent("experiments/\(name).yaml").path).experiment
    }
}
