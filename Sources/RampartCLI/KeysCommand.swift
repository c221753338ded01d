import ArgumentParser
import Foundation
import RampartStore

/// `rampart keys`: API keys for the service.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create, list and revoke API keys (stored as SHA-256 hashes).",
        subcommands: [CreateKey.self, ListKeys.self, RevokeKey.self]
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

    struct RevokeKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke",
            abstract: "Revoke a key: it is removed, its console sessions end, and servers refuse it from their next reload.",
            discussion: """
                Name the key by its prefix as `keys list` shows it (rk_sdk_abc123, with or without the …), or give the \
                whole key. A prefix that several keys share is refused: give the whole key. Keys given to `serve` in \
                RAMPART_SDK_KEY or RAMPART_ADMIN_KEY are not stored and cannot be revoked here: change the variable \
                and restart.
                """
        )

        @Argument(help: "The key's prefix (from `keys list`) or the whole key.")
        var key: String

        @Option(name: .long, help: "The database: an SQLite path or a postgres:// URL (default: $RAMPART_DATABASE_URL, else rampart.db).")
        var db: String?

        @OptionGroup var store: StoreOptions

        mutating func run() async throws {
            let store = try await StoreLocation.open(StoreLocation.resolve(db)!, configuration: try self.store.configuration(), mustExist: true)
            let target = try Self.match(key, among: try await store.apiKeys())
            guard let (revoked, ended) = try await store.revokeKey(hash: target.hash) else {
                throw CLIFailure("key \(target.displayPrefix)… was revoked meanwhile")
            }
            print("revoked \(revoked.scope.rawValue) key \(revoked.displayPrefix)… '\(revoked.name)'; \(ended) console session\(ended == 1 ? "" : "s") ended")
            FileHandle.standardError.write(Data("running servers refuse it from their next reload (every 5 s by default; at once on PostgreSQL)\n".utf8))
        }

        /// The one stored key `text` names: the whole key (by its hash) or a display prefix, with or without "…".
        ///
        /// - Parameters:
        ///   - text: What was given.
        ///   - keys: The stored keys.
        static func match(_ text: String, among keys: [APIKey]) throws -> APIKey {
            let given = text.hasSuffix("…") ? String(text.dropLast()) : text
            let digest = APIKey.digest(given)
            if let whole = keys.first(where: { $0.hash == digest }) { return whole }
            let candidates = keys.filter { $0.displayPrefix == given }
            switch candidates.count {
            case 1: return candidates[0]
            case 0: throw CLIFailure("no stored key is '\(given)': `rampart keys list` shows each key's prefix (keys from RAMPART_SDK_KEY or RAMPART_ADMIN_KEY are not stored)")
            default: throw CLIFailure("\(candidates.count) keys start with \(given)… (\(candidates.map { "'\($0.name)'" }.joined(separator: ", "))): give the whole key")
            }
        }
    }
}

extension KeyScope: ExpressibleByArgument {}
