import ArgumentParser
import Foundation
import RampartCore
import RampartServer
import RampartStore

/// `rampart webhooks`: notification endpoints and their deliveries (docs/integrations.md, "Notifications").
struct WebhooksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract: "Add, list and remove webhook endpoints; list deliveries.",
        subcommands: [Add.self, List.self, Remove.self, Deliveries.self, Rotate.self]
    )

    /// `--db` and the store options every subcommand takes.
    struct Location: ParsableArguments {
        @Option(name: .long, help: "The database: an SQLite path or a postgres:// URL (default: $RAMPART_DATABASE_URL, else rampart.db).")
        var db: String?

        @OptionGroup var store: StoreOptions

        func open(mustExist: Bool) async throws -> any WebhookStore {
            let opened = try await StoreLocation.open(StoreLocation.resolve(db)!, configuration: try store.configuration(), mustExist: mustExist)
            guard let webhooks = opened as? any WebhookStore else { throw CLIFailure("this store does not keep webhooks") }
            return webhooks
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add an endpoint; its signing secret is printed once."
        )

        @Argument(help: "Where to POST notifications: an http:// or https:// URL (a https://hooks.slack.com/… URL gets Slack's message format).")
        var url: String

        @Option(name: .long, help: "Only this experiment's notifications (default: every experiment's).")
        var experiment: String?

        @Option(name: .long, help: "all, or a comma-separated list of verdict_changed, rollout_changed, guardrail_regressed, srm_detected.")
        var events: String = "all"

        @OptionGroup var location: Location

        mutating func run() async throws {
            // Checked before the store is opened, so a mistyped URL creates no database.
            let endpoint: WebhookEndpoint
            do {
                endpoint = try WebhookAdmin.newEndpoint(url: url, experiment: experiment, events: events)
            } catch let error as RampartError {
                throw CLIFailure(error.message)
            }
            let store = try await location.open(mustExist: false)
            try await store.addWebhook(endpoint)
            print("\(endpoint.id) \(endpoint.secret)")
            FileHandle.standardError.write(Data("added webhook \(endpoint.id) → \(url) (\(endpoint.eventList)\(experiment.map { ", experiment \($0)" } ?? "")); its signing secret is printed once: store it now\n".utf8))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List endpoints (never their secrets).")

        @OptionGroup var location: Location

        mutating func run() async throws {
            let store = try await location.open(mustExist: true)
            for endpoint in try await store.webhooks() {
                print("\(endpoint.id)  \(endpoint.url)  \(endpoint.experiment ?? "*")  \(endpoint.eventList)  \(ISO8601DateFormatter().string(from: endpoint.createdAt))")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove an endpoint and its pending deliveries.")

        @Argument(help: "The endpoint's id (wh_…).")
        var id: String

        @OptionGroup var location: Location

        mutating func run() async throws {
            let store = try await location.open(mustExist: true)
            guard try await store.removeWebhook(id) else { throw CLIFailure("no webhook '\(id)'; `rampart webhooks list` shows them") }
            FileHandle.standardError.write(Data("removed webhook \(id)\n".utf8))
        }
    }

    struct Deliveries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "deliveries", abstract: "List the latest deliveries, newest first: status, attempts, the last answer.")

        @Option(name: .long, help: "How many.")
        var limit: Int = 50

        @Flag(name: .long, help: "One JSON object per line.")
        var json = false

        @OptionGroup var location: Location

        mutating func run() async throws {
            guard limit > 0 else { throw ValidationError("--limit must be positive") }
            let store = try await location.open(mustExist: true)
            let formatter = ISO8601DateFormatter()
            for d in try await store.deliveries(limit: limit) {
                if json {
                    print(d.json().jsonText)
                } else {
                    let answer = d.lastStatus.map { "HTTP \($0)" } ?? d.lastError ?? "-"
                    let when = d.status == .pending ? "next \(formatter.string(from: d.nextAttemptAt))" : d.finishedAt.map { formatter.string(from: $0) } ?? ""
                    print("\(d.id)  \(d.status.rawValue)  \(d.attempts) attempt(s)  \(answer)  \(d.event.kind.rawValue)  \(d.event.experiment)  \(d.endpoint.id)  \(when)")
                }
            }
        }
    }
}
