import Foundation
import RampartCore

/// Copies everything one store holds into another (`rampart migrate-store`): the control plane (rollouts, audit
/// log, API keys), then every event in pages, reading the next page while the previous one is stored.
///
/// Idempotent: a second run, or a run after an interruption, copies only what the target lacks (see
/// ``StoreTransfer``). Console sessions and the log of rejected events are not copied: people sign in again, and
/// the rejection log is a bounded diagnostic of the source's own ingest.
public struct StoreMigration: Sendable {
    /// How far a run has got, reported after each page.
    public struct Progress: Sendable, Equatable {
        /// Events read from the source so far.
        public var read = 0
        /// Events the target did not have and now stores.
        public var stored = 0
        /// Events the target already had.
        public var duplicates = 0
        /// Events the target refused (see ``Summary/rejections``).
        public var rejected = 0
        /// The source's event count when the run began.
        public var total = 0
    }

    /// What a run did.
    public struct Summary: Sendable, Equatable {
        public var events = Progress()
        /// Rollout rows inserted or brought up to date.
        public var rolloutsWritten = 0
        /// Rollout rows the target already had, unchanged.
        public var rolloutsUnchanged = 0
        /// Audit entries appended.
        public var auditAppended = 0
        /// API keys inserted; keys already there are left alone.
        public var keysInserted = 0
        public var keysPresent = 0
        /// The first few events the target refused, with the reason.
        public var rejections: [String] = []
    }

    let source: any StoreTransfer & EventStore
    let target: any StoreTransfer
    let pageSize: Int

    /// - Parameters:
    ///   - source: The store to copy from; it is only read (an SQLite source first merges its staged events).
    ///   - target: The store to copy into.
    ///   - pageSize: Events per page, read and stored in one transaction each.
    public init(from source: any StoreTransfer & EventStore, to target: any StoreTransfer, pageSize: Int = 5_000) {
        self.source = source
        self.target = target
        self.pageSize = max(1, pageSize)
    }

    /// Runs the copy.
    ///
    /// - Parameter progress: Called after each page of events.
    /// - Returns: What was copied.
    /// - Throws: `RampartError` `conflict` when an experiment in the target changed on its own (nothing of that
    ///   experiment is overwritten); storage errors of either side. Everything stored before an error stays stored,
    ///   and running again continues.
    public func run(progress: @Sendable (Progress) -> Void = { _ in }) async throws -> Summary {
        var summary = Summary()
        let control = try await source.exportControl()
        for experiment in control.experiments {
            let outcome = try await target.importControl(
                experiment: experiment, rollout: control.rollouts.first { $0.key == experiment }, audit: control.audit[experiment] ?? []
            )
            if control.rollouts.contains(where: { $0.key == experiment }) {
                if outcome.rolloutWritten { summary.rolloutsWritten += 1 } else { summary.rolloutsUnchanged += 1 }
            }
            summary.auditAppended += outcome.auditAppended
        }
        for key in control.keys {
            if try await target.importKey(key) { summary.keysInserted += 1 } else { summary.keysPresent += 1 }
        }

        summary.events.total = try await source.eventCount()
        var page = try await source.exportEvents(after: nil, limit: pageSize)
        while true {
            let cursor = page.next, source = self.source, limit = pageSize
            async let following = Self.page(of: source, after: cursor, limit: limit)
            let result = try await target.importEvents(page.events)
            summary.events.read += page.events.count
            summary.events.stored += result.stored
            summary.events.duplicates += result.duplicates
            summary.events.rejected += result.rejections.count
            for rejection in result.rejections.prefix(max(0, 5 - summary.rejections.count)) {
                summary.rejections.append("event \(page.events[rejection.index].id.uuidString.lowercased()): \(rejection.field) \(rejection.reason)")
            }
            progress(summary.events)
            guard let next = try await following else { break }
            page = next
        }
        return summary
    }

    /// The page after `cursor`, or `nil` when there is none.
    static func page(of source: any StoreTransfer & EventStore, after cursor: EventPage.Cursor?, limit: Int) async throws -> EventPage? {
        guard let cursor else { return nil }
        return try await source.exportEvents(after: cursor, limit: limit)
    }
}
