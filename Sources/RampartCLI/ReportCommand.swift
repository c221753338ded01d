import ArgumentParser
import Foundation
import RampartAnalysis
import RampartCore
import RampartStore

/// `rampart report`: an experiment's metrics, tests and verdict.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Analyse an experiment: per-variant metrics, effects with CIs, guardrails, SRM and the verdict.",
        discussion: "JSON follows docs/report-format.md; HTML is one self-contained file."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, markdown, html
    }

    @Argument(help: "The experiment key.")
    var key: String

    @OptionGroup var database: DatabaseOptions

    @Option(name: .long, help: "Output format.")
    var format: Format = .text

    @Option(name: .customLong("as-of"), help: "Analyse as of this moment (ISO 8601 or seconds since 1970); default now.")
    var asOf: String?

    @Option(name: [.customShort("o"), .long], help: "Write to this file instead of standard output.")
    var output: String?

    @Option(name: .long, help: "Add this many example units per metric, variant and group, with trace ids (0: none; at most 100).")
    var examples: Int = 0

    @Option(name: .long, help: "Add every metric within each value of this segment attribute (one of the experiment's segments:).")
    var by: String?

    func validate() throws {
        guard (0...ExampleQuery.maximumLimit).contains(examples) else {
            throw ValidationError("--examples \(examples): must be between 0 and \(ExampleQuery.maximumLimit)")
        }
    }

    mutating func run() async throws {
        let now = try asOf.map(parseTimestamp) ?? Date()
        let (store, rollouts) = try await database.openForReading()
        let state = try DatabaseOptions.rollout(key, among: rollouts)
        var report = try await ExperimentAnalyzer(store: store).analyze(state, now: now)
        if examples > 0 { report.examples = try await MetricExamples.all(in: store, experiment: state.experiment, limit: examples, now: now) }
        if let by { report.segments = try await Self.segments(store, state.experiment, by: by, now: now) }
        let text: String
        switch format {
        case .text: text = report.text
        case .json: text = try report.json() + "\n"
        case .markdown: text = report.markdown
        case .html: text = report.html
        }
        if let output {
            do {
                try text.write(toFile: output, atomically: true, encoding: .utf8)
            } catch {
                throw CLIFailure.file(error, doing: "-o: cannot write the report to") ?? error
            }
            print("wrote \(output): \(report.verdict.action.rawValue)")
        } else {
            print(text, terminator: "")
        }
    }
}

extension ReportCommand {
    /// The `--by` breakdown; an attribute the experiment does not name fails with a message naming it.
    static func segments(_ store: any ValueDistributionStore, _ experiment: Experiment, by attribute: String, now: Date) async throws -> SegmentBreakdown {
        guard experiment.analysis.segments.contains(attribute) else {
            let known = experiment.analysis.segments.isEmpty ? "it names none" : "its segments: \(experiment.analysis.segments.joined(separator: ", "))"
            throw CLIFailure("--by \(attribute): not a segment attribute of experiment '\(experiment.key)' (\(known))")
        }
        return try await ExperimentAnalyzer(store: store).segments(experiment, by: attribute, asOf: now)
    }
}
