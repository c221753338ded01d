import ArgumentParser
import Foundation
import RampartAnalysis
import RampartCore
import RampartStore

/// `rampart audit`: every recorded change to an experiment's rollout.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "List an experiment's audit log: who changed what, when, the verdict then, and why."
    )

    @Argument(help: "The experiment key.")
    var key: String

    @OptionGroup var database: DatabaseOptions

    mutating func run() async throws {
        let (store, rollouts) = try await database.openForReading()
        _ = try DatabaseOptions.rollout(key, among: rollouts)
        let entries = try await store.auditEntries(key)
        if entries.isEmpty { print("\(key): no changes recorded") }
        let formatter = ISO8601DateFormatter()
        for e in entries {
            print("\(formatter.string(from: e.at))  \(e.action)\(e.forced ? " (forced)" : "")  by \(e.actor)")
            print("    \(e.from) → \(e.to)")
            print("    verdict: \(e.verdict)")
            if !e.reason.isEmpty { print("    reason: \(e.reason)") }
        }
    }
}
