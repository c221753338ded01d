import ArgumentParser
import Foundation
import RampartAnalysis
import RampartCore
import RampartStore

/// `rampart ramp`: advance, roll back, pause, resume or ship an experiment, as the verdict allows.
struct RampCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ramp",
        abstract: "Change an experiment's stage or state; refused when the verdict forbids it, unless --force with --reason.",
        discussion: "Every change is recorded in the audit log (rampart audit KEY). See docs/rollouts.md."
    )

    @Argument(help: "The experiment key.")
    var key: String

    @Argument(help: "advance, rollback, pause, resume or ship.")
    var action: RampAction

    @Option(name: .long, help: "Why, for the audit log (required with --force).")
    var reason: String = ""

    @Option(name: .long, help: "Who, for the audit log (default: $USER).")
    var actor: String?

    @Flag(name: .long, help: "Override the verdict.")
    var force = false

    @Option(name: .long, help: "For ship: the variant to ship (default: the only treatment).")
    var variant: String?

    @Option(name: .customLong("as-of"), help: "The moment of the change, and of the verdict it is checked against (ISO 8601 or seconds since 1970); default now. For replaying simulated or past data.")
    var asOf: String?

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if let actor, actor.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--actor: must not be empty; it names who made the change in the audit log (default: $USER)")
        }
        if force, reason.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--force needs --reason TEXT: overriding the verdict must be explained in the audit log")
        }
    }

    mutating func run() async throws {
        let now = try asOf.map(parseTimestamp) ?? Date()
        let store = try await database.open(.existing, requiring: key)
        let state = try await DatabaseOptions.rollout(key, in: store)
        let report = try await ExperimentAnalyzer(store: store).analyze(state, now: now)
        let who = actor ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown"
        do {
            let (next, audit) = try RampTransition.apply(
                action, to: state, verdict: report.verdict, force: force, reason: reason, actor: who, variant: variant, now: now
            )
            try await store.save(next, audit: audit)
            print("\(key): \(audit.from) → \(audit.to)")
            print("verdict at the time: \(audit.verdict)")
            if audit.forced { print("forced by \(who): \(reason)") }
        } catch let error as RampartError {
            let override = error.code == .verdictRefusal ? "; override it with --force --reason TEXT" : ""
            throw CLIFailure("\(key): \(action.rawValue) refused: \(error.message)\(override)")
        }
    }
}

extension RampAction: ExpressibleByArgument {}
