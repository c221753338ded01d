import Foundation
import RampartCore

/// The control plane's durable state: each experiment's rollout (definition, coverage, status, stage), the audit
/// log of changes to it, and the API keys (hashed).
///
/// Like ``EventStore`` it is a `Sendable` protocol with `async throws` methods, implemented by the SQLite store
/// and, later, PostgreSQL, so several service replicas can share one control plane.
public protocol ControlStore: Sendable {
    /// Every stored rollout, in key order.
    func rollouts() async throws -> [RolloutState]

    /// The rollout of one experiment.
    func rollout(_ key: String) async throws -> RolloutState?

    /// Imports experiment files, reconciling each with the stored definition (``DefinitionImport``): a key not
    /// stored yet is inserted at the coverage its file gives; a stored one keeps its rollout (status, coverage,
    /// stage, shipped variant) and takes the file only when the file changed since its last import and the stored
    /// definition did not (or when `filesWin`), and never when that would move units. Changes, declines and
    /// refusals are audited (actor `file`) in the same transaction.
    ///
    /// - Parameters:
    ///   - experiments: The definitions read from the files.
    ///   - source: Where they were read, e.g. `experiments/`, for messages and the audit log.
    ///   - filesWin: Let a file that differs from the stored definition replace it, even when the stored one was
    ///     changed through the API (`rampart serve --files-override-api`).
    /// - Returns: One decision per file, with the message to log.
    @discardableResult
    func seed(_ experiments: [Experiment], source: String, filesWin: Bool) async throws -> [DefinitionImport.Decision]

    /// Stores a new state of a rollout and its audit entry in one transaction; an audit entry of a ramp action also
    /// queues its webhook notification there (``WebhookStore``), so a committed change is always notified.
    ///
    /// - Parameters:
    ///   - state: The new state; its revision must be the stored revision + 1 (or 0 for a new experiment).
    ///   - audit: The entry recording the change, if any.
    /// - Throws: `RampartError` `conflict` when another writer changed the rollout first.
    func save(_ state: RolloutState, audit: AuditEntry?) async throws

    /// The audit log of one experiment, oldest first.
    func auditEntries(_ key: String) async throws -> [AuditEntry]

    /// Every API key (hashes, never plaintext).
    func apiKeys() async throws -> [APIKey]

    /// Stores a new API key.
    func insertKey(_ key: APIKey) async throws

    /// Revokes an API key: removes it and ends the console sessions signed in with it (same display prefix and
    /// name), in one transaction. Servers stop accepting it at their next reload (at once on PostgreSQL, which
    /// announces the change).
    ///
    /// - Parameter hash: The key's SHA-256.
    /// - Returns: The revoked key and the number of console sessions ended; `nil` when no stored key has that hash.
    func revokeKey(hash: [UInt8]) async throws -> (key: APIKey, sessionsEnded: Int)?
}

extension ControlStore {
    /// Imports experiments without letting files win, e.g. in tests.
    ///
    /// - Parameter experiments: The definitions.
    @discardableResult
    public func seed(_ experiments: [Experiment]) async throws -> [DefinitionImport.Decision] {
        try await seed(experiments, source: "experiments/", filesWin: false)
    }
}
