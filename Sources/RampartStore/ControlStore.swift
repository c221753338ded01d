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

    /// Imports experiment files: a key not stored yet is inserted at the coverage its file gives; a stored one keeps
    /// its rollout (status, coverage, stage, shipped variant) and takes the file's other fields only when that
    /// cannot move units (``Experiment/reshuffleReasons(from:)``).
    ///
    /// - Parameters:
    ///   - experiments: The definitions read from experiments/.
    ///   - now: The stage start of newly inserted rollouts.
    /// - Returns: For each file whose changes were refused, why.
    @discardableResult
    func seed(_ experiments: [Experiment], now: Date) async throws -> [String: [String]]

    /// Stores a new state of a rollout and its audit entry in one transaction.
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
}
