import Foundation
@testable import RampartStore
import Synchronization
import Testing

/// The group commit's queue: its maintenance runs after each transaction, and a nudge runs it when the queue is idle
/// (a merge's plan that became ready with no ingest following), never beside a drain that is under way, and is never
/// lost: a nudge that comes while the queue drains runs the maintenance once more before the drain stops.
@Suite("Group commit queue")
struct GroupCommitQueueTests {
    /// What the queue ran, in order.
    final class Log: Sendable {
        private let entries = Mutex<[String]>([])
        func append(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
    }

    /// A queue whose commits and maintenance are written to a log; commits wait for `gate` when one is given, and
    /// the maintenance after a commit for `maintenanceGate`.
    static func queue(
        _ log: Log, gate: AsyncStream<Void>? = nil, maintenanceGate: AsyncStream<Void>? = nil
    ) -> GroupCommitQueue<Int, Int> {
        GroupCommitQueue<Int, Int>(
            maximumWeight: 10,
            commit: { batches in
                log.append("commit \(batches)")
                if let gate { for await _ in gate { break } }
                return batches.map { $0 * 2 }
            },
            afterCommit: { weight in
                log.append("maintenance \(weight)")
                if weight > 0, let maintenanceGate { for await _ in maintenanceGate { break } }
                log.append("maintenance \(weight) done")
            }
        )
    }

    static func waitFor(_ log: Log, count: Int) async throws {
        for _ in 0..<2_000 where log.all.count < count {
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test func aNudgeRunsTheMaintenanceWhenIdleThenCommitsWhatArrives() async throws {
        let log = Log()
        let queue = Self.queue(log)
        queue.nudge()
        try await Self.waitFor(log, count: 2)
        #expect(log.all == ["maintenance 0", "maintenance 0 done"])
        #expect(try await queue.submit(3, weight: 1) == 6)
        try await Self.waitFor(log, count: 5)
        #expect(log.all == ["maintenance 0", "maintenance 0 done", "commit [3]", "maintenance 1", "maintenance 1 done"])
    }

    @Test func aNudgeDuringACommitRunsTheMaintenanceAgainAfterThatCommits() async throws {
        let log = Log()
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let queue = Self.queue(log, gate: gate)
        let answer = Task { try await queue.submit(5, weight: 1) }
        try await Self.waitFor(log, count: 1)
        queue.nudge()
        queue.nudge()
        open.yield()
        #expect(try await answer.value == 10)
        try await Self.waitFor(log, count: 5)
        try await Task.sleep(for: .milliseconds(50))
        #expect(
            log.all == ["commit [5]", "maintenance 1", "maintenance 1 done", "maintenance 0", "maintenance 0 done"],
            "the maintenance after the commit, then once more for the nudges, one at a time and none beside the commit")
    }

    /// The race that once left a merge unstarted: the maintenance decides a nudge is already scheduled, and that nudge
    /// fires before the drain has stopped. The drain runs the maintenance again.
    @Test func aNudgeDuringTheMaintenanceIsNotLost() async throws {
        let log = Log()
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let queue = Self.queue(log, maintenanceGate: gate)
        #expect(try await queue.submit(4, weight: 1) == 8)
        try await Self.waitFor(log, count: 2)
        #expect(log.all == ["commit [4]", "maintenance 1"])
        queue.nudge()
        open.yield()
        try await Self.waitFor(log, count: 5)
        #expect(log.all == ["commit [4]", "maintenance 1", "maintenance 1 done", "maintenance 0", "maintenance 0 done"])
    }
}
