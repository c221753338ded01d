import ArgumentParser

/// `rampart bench`: micro and macro benchmarks. Run them on a release build (`swift build -c release`).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks; run on a release build. Results are medians over rounds.",
        subcommands: [AssignBench.self, IngestBench.self, IngestAdaptersBench.self, OTLPBench.self, ReportBench.self, StatsBench.self, SequentialBench.self, QuantileCoverageBench.self, GuardrailRiskBench.self, SoakBench.self, ConsoleBench.self]
    )
}
