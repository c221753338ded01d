import ArgumentParser
import Foundation
import RampartAnalysis
import RampartCore
import RampartStore

/// `rampart plan`: power at the current traffic — the minimum detectable effect now and the days until the primary
/// metric and each guardrail can be decided (docs/statistics.md, "Power at the current traffic").
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Power at the current traffic: minimum detectable effects and days until each test can decide.",
        discussion: """
            Units per day are those enrolled over the last 7 days before --as-of, or since the current stage \
            started when later (at least the last 24 hours). For each treatment, the primary \
            metric's two-sided test and each guardrail's one-sided test: the smallest effect it resolves now with the \
            target power, and the units and days until it decides if the true effect is the one observed (or, for \
            the primary, the one given with --effect). The report's `plan` section is the same table.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Argument(help: "The experiment key.")
    var key: String

    @OptionGroup var database: DatabaseOptions

    @Option(name: .customLong("as-of"), help: "Plan as of this moment (ISO 8601 or seconds since 1970); default now.")
    var asOf: String?

    @Option(name: .long, help: "The primary metric's true relative effect to plan for, with its percent sign (+5%); default: the effect observed.")
    var effect: String?

    @Option(name: .long, help: "The target power, in (0, 1).")
    var power: Double = 0.8

    @Option(name: .long, help: "Output format.")
    var format: Format = .text

    func validate() throws {
        guard power.isFinite, power > 0, power < 1 else { throw ValidationError("--power \(power): must lie strictly between 0 and 1") }
        if let effect { _ = try Self.parseEffect(effect) }
    }

    /// Parses `--effect`: a signed percentage such as +5% or -2.5%.
    static func parseEffect(_ text: String) throws -> Double {
        guard text.hasSuffix("%"), let value = Double(text.dropLast().trimmingCharacters(in: .whitespaces)), value.isFinite else {
            throw ValidationError("--effect '\(text)': expected a relative effect with its percent sign, such as +5% or -2.5%")
        }
        guard value != 0 else { throw ValidationError("--effect '\(text)': a zero effect is never detected; give the effect to plan for") }
        guard value > -100 else { throw ValidationError("--effect '\(text)': a relative change must be above -100%") }
        return value / 100
    }

    mutating func run() async throws {
        let now = try asOf.map(parseTimestamp) ?? Date()
        let (store, rollouts) = try await database.openForReading()
        let state = try DatabaseOptions.rollout(key, among: rollouts)
        var analyzer = ExperimentAnalyzer(store: store)
        analyzer.planning = PlanSettings(power: power, primaryEffect: try effect.map(Self.parseEffect))
        let report = try await analyzer.analyze(state, now: now)
        print(try Self.render(report, format: format), terminator: "")
    }

    /// The plan of a report as text (the report's section) or JSON (the report's `plan` field).
    static func render(_ report: ExperimentReport, format: Format) throws -> String {
        switch format {
        case .json:
            return String(decoding: try ExperimentReport.encoder.encode(report.plan), as: UTF8.self) + "\n"
        case .text:
            return report.planText
        }
    }
}
