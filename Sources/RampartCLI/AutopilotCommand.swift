import ArgumentParser
import Foundation
import Logging
import RampartAnalysis
import RampartCore
import RampartServer
import RampartStore

/// `rampart autopilot`: apply ADVANCE and ROLLBACK verdicts once, for a scheduler such as cron.
struct AutopilotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autopilot",
        abstract: "Evaluate every running experiment once and apply ADVANCE or ROLLBACK verdicts (never SHIP).",
        discussion: """
            Stages with requires_approval are never left automatically. Every change is audited with actor 'autopilot'. \
            Verdict changes and rollout changes are queued as webhook notifications, as `serve` queues them (never twice), \
            and the due notifications are delivered before the command exits, for at most --deliver-within seconds; \
            with --no-deliver a running `rampart serve` delivers them. See docs/rollouts.md and docs/integrations.md.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(name: .customLong("as-of"), help: "Evaluate as of this moment (for replays); default now.")
    var asOf: String?

    @Flag(inversion: .prefixedNo, help: "Deliver the due webhook notifications before exiting (--no-deliver: leave them to `rampart serve`).")
    var deliver = true

    @Option(name: .customLong("deliver-within"), help: ArgumentHelp("The longest time spent delivering notifications; failed ones wait for their retry (the next run, or serve).", valueName: "seconds"))
    var deliverWithin: Double = 30

    @OptionGroup var webhooks: WebhookOptions

    func validate() throws {
        guard deliverWithin.isFinite, deliverWithin > 0, deliverWithin <= 600 else {
            throw ValidationError("--deliver-within \(deliverWithin): expected more than 0 and at most 600 seconds")
        }
    }

    mutating func run() async throws {
        let now = try asOf.map(parseTimestamp) ?? Date()
        let webhookConfiguration = try webhooks.configuration()
        let store = try await database.open(.existing)
        var logger = Logger(label: "rampart.autopilot")
        logger.logLevel = .warning
        let notifications = (store as? any WebhookStore).map { CommandNotifications(store: $0, configuration: webhookConfiguration, logger: logger) }
        for action in try await Autopilot(store: store).tick(now: now) {
            // Replays (--as-of) are not news: only a run at the present moment notifies verdicts.
            if asOf == nil, let verdict = action.detail { await notifications?.observe(running: action.experiment, verdict: verdict, at: now) }
            if let audit = action.applied {
                print("\(action.experiment): \(audit.action): \(audit.from) → \(audit.to)")
            } else {
                print("\(action.experiment): \(action.verdict.rawValue), no change (\(action.skipped ?? ""))")
            }
        }
        guard deliver, let notifications else { return }
        let summary = await notifications.deliverDue(within: deliverWithin)
        if summary.attempted > 0 {
            FileHandle.standardError.write(Data("webhooks: delivered \(summary.delivered), will retry \(summary.retrying), failed \(summary.failed)\n".utf8))
        }
    }
}
