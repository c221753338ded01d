import Foundation
import RampartCore

/// Copying one store into another (`rampart migrate-store`): every event as stored, and the control plane's rows
/// as stored, whichever backend each side is.
///
/// Events travel in their stored form: unit keys as the source holds them (already hashed when the source hashes
/// unit ids, so they are never hashed twice), properties as kept after the privacy rules. The target derives its
/// own indexes (exposure attribution, dictionaries) by storing them as it stores any batch, so nothing derived is
/// copied. Every import is idempotent: events by uuid, keys by hash, rollouts and audit entries by comparison, so
/// running a copy twice, or again after an interruption, changes nothing already copied (docs/deployment.md).
public protocol StoreTransfer: Sendable {
    /// A page of stored events in the store's own stable order, after `cursor`.
    ///
    /// An SQLite store merges its staged events into `events` when asked for the first page (`cursor` `nil`), so
    /// that the pages see every acknowledged event.
    ///
    /// - Parameters:
    ///   - cursor: Where the previous page ended, `nil` for the first page.
    ///   - limit: The most events to return.
    /// - Returns: The events and the cursor of the next page (`nil` once the store has no more).
    func exportEvents(after cursor: EventPage.Cursor?, limit: Int) async throws -> EventPage

    /// Stores events already in stored form (unit keys are not hashed again), as ``EventStore/ingest(_:)``
    /// stores a batch: a uuid already stored is a duplicate, and the result is durable when this returns.
    ///
    /// - Parameter events: Events from ``exportEvents(after:limit:)`` of another store.
    func importEvents(_ events: [Event]) async throws -> IngestResult

    /// Every rollout row, every audit entry grouped by experiment, and every API key (hashes only).
    func exportControl() async throws -> ControlSnapshot

    /// Copies one experiment's rollout row and audit log in one transaction.
    ///
    /// - The rollout is inserted when the target has none, left alone when the target's row is the same, and
    ///   replaced when the target's is an older revision of it (an earlier copy, before the source changed).
    /// - The audit entries the target lacks are appended, when the target's log is a prefix of the source's.
    ///
    /// - Parameters:
    ///   - experiment: The experiment key.
    ///   - rollout: Its rollout row in the source, if it has one.
    ///   - audit: Its audit log in the source, oldest first.
    /// - Returns: What changed in the target.
    /// - Throws: `RampartError` `conflict` when the target changed on its own (a newer or different revision, or an
    ///   audit log that is not a prefix of the source's): the copy never overwrites such a target.
    func importControl(experiment: String, rollout: StoredRollout?, audit: [AuditEntry]) async throws -> ControlImport

    /// Stores an API key unless a key with the same hash is stored.
    ///
    /// - Parameter key: The key, from the source's ``ControlStore/apiKeys()``.
    /// - Returns: Whether it was inserted.
    func importKey(_ key: APIKey) async throws -> Bool
}

/// The control plane of a store, as stored, for ``StoreTransfer``.
public struct ControlSnapshot: Sendable, Equatable {
    /// Every rollout row, in key order.
    public var rollouts: [StoredRollout]
    /// Every audit entry, by experiment, oldest first.
    public var audit: [String: [AuditEntry]]
    /// Every API key.
    public var keys: [APIKey]

    public init(rollouts: [StoredRollout], audit: [String: [AuditEntry]], keys: [APIKey]) {
        self.rollouts = rollouts
        self.audit = audit
        self.keys = keys
    }

    /// Every experiment with a rollout or an audit entry, in key order.
    public var experiments: [String] {
        Set(rollouts.map(\.key)).union(audit.keys).sorted()
    }
}

/// What ``StoreTransfer/importControl(experiment:rollout:audit:)`` changed.
public struct ControlImport: Sendable, Equatable {
    /// Whether the rollout row was inserted or replaced.
    public var rolloutWritten: Bool
    /// How many audit entries were appended.
    public var auditAppended: Int

    public init(rolloutWritten: Bool, auditAppended: Int) {
        self.rolloutWritten = rolloutWritten
        self.auditAppended = auditAppended
    }

    /// What importing into a target that has `target` and the log `targetAudit` must do; throws on a conflict.
    ///
    /// - Parameters:
    ///   - rollout: The source's row.
    ///   - audit: The source's log.
    ///   - target: The target's row.
    ///   - targetAudit: The target's log.
    /// - Returns: Whether to write the row, and the entries to append.
    static func plan(experiment: String, rollout: StoredRollout?, audit: [AuditEntry], target: StoredRollout?, targetAudit: [AuditEntry]) throws -> (writeRollout: Bool, append: ArraySlice<AuditEntry>) {
        guard targetAudit.count <= audit.count, zip(audit, targetAudit).allSatisfy(Self.same) else {
            throw RampartError(.conflict, "experiment '\(experiment)': the target's audit log (\(targetAudit.count) entries) is not a prefix of the source's (\(audit.count)); the target changed on its own and is left alone")
        }
        var write = false
        if let rollout {
            if let target, target != rollout {
                // The same revision may differ in what imports of the files record (`file_base`, `file_seen`) and
                // in the time of the change; anything else at the same or a later revision was changed in the target.
                let sameState = target.definition == rollout.definition && target.stageIndex == rollout.stageIndex
                    && target.stageStartedAt == rollout.stageStartedAt
                guard target.revision < rollout.revision || (target.revision == rollout.revision && sameState) else {
                    throw RampartError(.conflict, "experiment '\(experiment)': the target holds revision \(target.revision), the source revision \(rollout.revision) with other content; the target changed on its own and is left alone")
                }
                write = true
            } else if target == nil {
                write = true
            }
        }
        return (write, audit.dropFirst(targetAudit.count))
    }

    /// Whether two audit entries are the same entry: every field equal, the time to a microsecond (a time read back
    /// through `Date` may differ from the stored seconds in the last bit).
    static func same(_ a: AuditEntry, _ b: AuditEntry) -> Bool {
        var b2 = b
        b2.at = a.at
        return a == b2 && abs(a.at.timeIntervalSince1970 - b.at.timeIntervalSince1970) < 1e-6
    }
}
