import ArgumentParser
import RampartBench

/// `rampart bench assign`: the cost of assigning one unit on the hot path (``AssignBenchmark``).
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
        AssignBenchmark.run(try experiments.load(key: experiment), units: units, rounds: rounds)
    }
}
