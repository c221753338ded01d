import ArgumentParser
import Foundation
import RampartAnalysis
import RampartCore
import RampartStore

/// `rampart examples`: example units behind a metric and variant, with their trace ids and links
/// (docs/report-format.md, "Metric examples").
struct ExamplesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "examples",
        abstract: "Example units behind a metric and variant, with trace ids and links.",
        discussion: """
            Proportions list units with and without the outcome; means and ratios the units with matching events; \
            quantiles the requests above the variant's quantile, highest first. The sample is deterministic \
            (ordered by a keyed hash of the unit id), so two calls on the same data give the same examples. Unit ids \
            are shown as stored (hashed when unit hashing is on); trace links use the experiment's trace_url.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Argument(help: "The experiment key.")
    var key: String

    @Option(name: .long, help: "The metric key.")
    var metric: String

    @Option(name: .long, help: "The variant key.")
    var variant: String

    @Option(name: .long, help: "The most examples per group (1 to \(ExampleQuery.maximumLimit)).")
    var limit: Int = MetricExamples.defaultLimit

    @OptionGroup var database: DatabaseOptions

    @Option(name: .customLong("as-of"), help: "Read the data as of this moment (ISO 8601 or seconds since 1970); default now.")
    var asOf: String?

    @Option(name: .long, help: "Output format.")
    var format: Format = .text

    func validate() throws {
        guard (1...ExampleQuery.maximumLimit).contains(limit) else {
            throw ValidationError("--limit \(limit): must be between 1 and \(ExampleQuery.maximumLimit)")
        }
    }

    mutating func run() async throws {
        let now = try asOf.map(parseTimestamp) ?? Date()
        let (store, rollouts) = try await database.openForReading()
        let state = try DatabaseOptions.rollout(key, among: rollouts)
        let examples = try await MetricExamples.find(in: store, experiment: state.experiment, metric: metric, variant: variant, limit: limit, now: now)
        print(format == .json ? try examples.json() : examples.text, terminator: format == .json ? "\n" : "")
    }
}
