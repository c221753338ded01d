import ArgumentParser
import Foundation
import RampartAnalysis
import RampartCore
import RampartStore

/// `rampart funnel`: conversion per variant (prompt version) through request → completed → rated positive →
/// task completed.
struct FunnelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "funnel",
        abstract: "The LLM funnel cut by prompt version: request, completed, rated positive, task completed."
    )

    @Argument(help: "The experiment key.")
    var key: String

    @OptionGroup var database: DatabaseOptions

    mutating func run() async throws {
        let (store, rollouts) = try await database.openForReading()
        let state = try DatabaseOptions.rollout(key, among: rollouts)
        let report = try await ExperimentAnalyzer(store: store).analyze(state)
        let e = state.experiment
        var rows: [[String]] = [["step"] + e.variants.map { "\($0.key) (\($0.payload.promptVersionId), \($0.payload.model))" }]
        rows.append(["enrolled"] + e.variants.map { "\(report.units.enrolled[$0.key] ?? 0)" })
        for step in report.funnel {
            rows.append([step.step] + e.variants.map { v in
                let share = step.share[v.key] ?? nil
                return "\(step.units[v.key] ?? 0) (\(share.map { String(format: "%.1f%%", $0 * 100) } ?? "—"))"
            })
        }
        for line in ExperimentReport.table(rows) { print(line) }
    }
}
