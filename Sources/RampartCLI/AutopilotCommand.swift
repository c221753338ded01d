import ArgumentParser
import Foundation
import RampartAnalysis
import RampartCore

/// `rampart autopilot`: apply ADVANCE and ROLLBACK verdicts once, for a scheduler such as cron.
struct AutopilotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autopilot",
        abstract: "Evaluate every running experiment once and apply ADVANCE or ROLLBACK verdicts (never SHIP).",
        discussion: "Stages with requires_approval are never left automatically. Every change is audited with actor 'autopilot'. See docs/rollouts.md."
    )

    @OptionGroup var database: DatabaseOptions

    @Option(name: .customLong("as-of"), help: "Evaluate as of this moment (for replays); default now.")
    var asOf: String?

    mutating func run() async throws {
        let now = try asOf.map(parseTimestamp) ?? Date()
        let store = try await database.open(.existing)
        for action in try await Autopilot(store: store).tick(now: now) {
            if let audit = action.applied {
                print("\(action.experiment): \(audit.action): \(audit.from) → \(audit.to)")
            } else {
                print("\(action.experiment): \(action.verdict.rawValue), no change (\(action.skipped ?? ""))")
            }
        }
    }
}
