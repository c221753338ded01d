import ArgumentParser
import Foundation
import RampartStore

/// `rampart keys`: API keys for the service.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create and list API keys (stored as SHA-256 hashes).",
        subcommands: [CreateKey.self, ListKeys.self]
    )

    struct CreateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create a key; its plaintext is shown once and never stored."
        )

        @Option(name: .long, help: "sdk (evaluate, ingest), admin (change experiments, ramp, audit; the full console) or viewer (read everything, change nothing; the console read-only).")
        var scope: KeyScope

        @Option(name: .long, help: "Who or what will use the key.")
        var name: String = "unnamed"

        @Option(name: .long, help: "The database: an SQLite path or a postgres:// URL (default: $RAMPART_DATABASE_URL, else rampart.db).")
        var db: String?

        @OptionGroup var store: StoreOptions

        mutating func run() async throws {
            let store = try await StoreLocation.open(StoreLocation.resolve(db)!, configuration: try self.store.configuration(), mustExist: false)
            let (plaintext, key) = APIKey.generate(scope: scope, name: name)
            try await store.insertKey(key)
            print(plaintext)
            FileHandle.standardError.write(Data("created \(scope.rawValue) key \(key.displayPrefix)… for '\(name)'; store it now: it is not shown again\n".utf8))
        }
    }

    struct ListKeys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List keys by prefix, scope and name.")

        @Option(name: .long, help: "The database: an SQLite path or a postgres:// URL (default: $RAMPART_DATABASE_URL, else rampart.db).")
        var db: String?

        @OptionGroup var store: StoreOptions

        mutating func run() async throws {
            let store = try await StoreLocation.open(StoreLocation.resolve(db)!, configuration: try self.store.configuration(), mustExist: true)
            for key in try await store.apiKeys() {
                print("\(key.displayPrefix)…  \(key.scope.rawValue)  \(key.name)  \(ISO8601DateFormatter().string(from: key.createdAt))")
            }
        }
    }
}

extension KeyScope: ExpressibleByArgument {}
