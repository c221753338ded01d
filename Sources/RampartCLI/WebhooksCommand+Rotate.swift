import ArgumentParser
import Foundation
import RampartCore
import RampartServer
import RampartStore

extension WebhooksCommand {
    /// `rampart webhooks rotate ID [--overlap 24h]`: a new signing secret, printed once; the old one keeps signing
    /// beside it during the overlap (docs/integrations.md, "Rotating a secret").
    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate",
            abstract: "Give an endpoint a new signing secret (printed once); during --overlap requests carry both signatures."
        )

        @Argument(help: "The endpoint's id (wh_…).")
        var id: String

        @Option(name: .long, help: "How long the old secret keeps signing beside the new one: 24h, 90m, 30s, 2d or seconds; 0 ends it at once.")
        var overlap: String = "24h"

        @OptionGroup var location: Location

        mutating func run() async throws {
            let seconds: TimeInterval
            do {
                seconds = try WebhookAdmin.overlap(overlap)
            } catch let error as RampartError {
                throw CLIFailure("--" + error.message)
            }
            let admin = WebhookAdmin(store: try await location.open(mustExist: true))
            let endpoint: WebhookEndpoint
            do {
                endpoint = try await admin.rotate(id, seconds: seconds)
            } catch let error as RampartError where error.code == .notFound {
                throw CLIFailure(error.message + "; `rampart webhooks list` shows them")
            }
            print("\(endpoint.id) \(endpoint.secret)")
            let until = endpoint.previousSecretUntil.map { "the old secret also signs until \(ISO8601DateFormatter().string(from: $0))" } ?? "the old secret no longer signs"
            FileHandle.standardError.write(Data("rotated the secret of webhook \(endpoint.id) (\(endpoint.url)); \(until); the new secret is printed once: store it now\n".utf8))
        }
    }
}
