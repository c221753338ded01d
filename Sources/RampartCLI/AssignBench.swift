import ArgumentParser
import RampartBench
import RampartCore

/// `rampart bench assign`: the cost of assigning one unit on the hot path.
struct AssignBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assign",
        abstract: "Time hashing and assignment per unit (target: under 200 ns in a release build)."
    )

    @OptionGroup var experiments: ExperimentsOption

    @Option(name: .long, help: "The experiment to assign into.")
    var experiment: String = "support-answer-prompt"

    @Option(name: .long, help: "Distinct units per round.")
    var units: Int = 200_000

    @Option(name: .long, help: "Timed rounds.")
    var rounds: Int = 15

    mutating func run() throws {
        var definition = try experiments.load(key: experiment)
        let ids = (0..<units).map { "user-\($0)" }
        let targeted = CompiledExperiment(definition)
        let attributes: [String: JSONValue] = ["environment": "production", "plan": "pro", "country": "DE"]
        definition.targeting = nil
        definition.coverage = 1
        let untargeted = CompiledExperiment(definition)
        let seed = definition.seed

        var checksum = 0
        var results: [BenchTimer.Result] = []
        let (hash, c1) = BenchTimer.measure("hash (FNV-1a v2)", rounds: rounds, operations: units) {
            var sum = 0
            for id in ids { sum &+= Int((Bucketing.hash(seed: seed, value: id) ?? 0) * 10_000) }
            return sum
        }
        let (assign, c2) = BenchTimer.measure("assign (hash, range, payload)", rounds: rounds, operations: units) {
            var sum = 0
            for id in ids {
                let a = untargeted.assign(unit: id)
                sum &+= a.variant.payload.promptVersionId.utf8.count &+ (a.enrolled ? 1 : 0)
            }
            return sum
        }
        let (withTargeting, c3) = BenchTimer.measure("assign with targeting", rounds: rounds, operations: units) {
            var sum = 0
            for id in ids {
                let a = targeted.assign(unit: id, attributes: attributes)
                sum &+= a.variant.payload.promptVersionId.utf8.count &+ (a.enrolled ? 1 : 0)
            }
            return sum
        }
        results = [hash, assign, withTargeting]
        checksum = c1 &+ c2 &+ c3
        print("rampart bench assign: experiment \(experiment), \(units) units × \(rounds) rounds")
        for result in results { print(result.line) }
        print("checksum \(checksum)")
    }
}
