import RampartCore

/// `rampart bench assign`'s workload: hashing and assignment per unit on the hot path.
public enum AssignBenchmark {
    /// Times hashing, assignment without targeting and assignment with targeting, and prints one line each.
    ///
    /// - Parameters:
    ///   - experiment: The experiment to assign into.
    ///   - units: Distinct units per round.
    ///   - rounds: Timed rounds.
    public static func run(_ experiment: Experiment, units: Int, rounds: Int) {
        var definition = experiment
        let ids = (0..<units).map { "user-\($0)" }
        let targeted = CompiledExperiment(definition)
        let attributes: [String: JSONValue] = ["environment": "production", "plan": "pro", "country": "DE"]
        definition.targeting = nil
        definition.coverage = 1
        let untargeted = CompiledExperiment(definition)
        let seed = definition.seed

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
        print("rampart bench assign: experiment \(experiment.key), \(units) units × \(rounds) rounds")
        for result in [hash, assign, withTargeting] { print(result.line) }
        print("checksum \(c1 &+ c2 &+ c3)")
    }
}
