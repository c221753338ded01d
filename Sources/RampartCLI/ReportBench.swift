import ArgumentParser
import RampartBench

/// `rampart bench report`: a full report end to end over a large simulated store (``ReportBenchmark``).
struct ReportBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Time a full report over a simulated store (target: 1,000,000 units and 10,000,000 events in under 3 s).",
        discussion: "Builds the database once (about 9.5 events per unit); pass --reuse to time an existing one again."
    )

    @OptionGroup var experiments: ExperimentsOption

    @Option(name: .long, help: "The experiment whose events are simulated.")
    var experiment: String = "support-answer-prompt"

    @Option(name: .long, help: "The database to build or reuse: an SQLite path, or a postgres:// URL (an empty database, filled by copying --build-db).")
    var db: String = "rampart-bench-report.sqlite"

    @Option(name: .customLong("build-db"), help: "With a postgres:// --db: the SQLite database built (or reused) first and copied there.")
    var buildDB: String = "rampart-bench-report.sqlite"

    @Flag(name: .long, help: "Reuse the database at --db if it exists instead of rebuilding it.")
    var reuse = false

    @Option(name: .long, help: "Units simulated.")
    var units: Int = 1_000_000

    @Option(name: .long, help: "Days over which units arrive.")
    var days: Double = 28

    @Option(name: .long, help: "Timed rounds after one warm-up.")
    var rounds: Int = 5

    @Option(name: .long, help: "Event names an analysis reads at once (default: active cores, at most 4).")
    var concurrency: Int?

    @Flag(name: .long, help: "Also time the unit table and each event name's pass on their own.")
    var breakdown = false

    @Flag(name: .customLong("keep-past-analyses"), help: "Keep analyses as of an earlier day, as a service does: after the first report, the α-spending look is answered from memory (default: every report reads everything).")
    var keepPastAnalyses = false

    mutating func run() async throws {
        var benchmark = ReportBenchmark(definition: try experiments.load(key: experiment), db: db)
        benchmark.reuse = reuse
        benchmark.buildDB = buildDB
        benchmark.units = units
        benchmark.days = days
        benchmark.rounds = rounds
        benchmark.concurrency = concurrency
        benchmark.breakdown = breakdown
        benchmark.keepPastAnalyses = keepPastAnalyses
        try await benchmark.run()
    }
}
