import Foundation
@testable import RampartStore
import Synchronization
import Testing

/// The group commit's queue: its maintenance runs after each transaction, and a nudge runs it when the queue is idle
/// (a merge's plan that became ready with no ingest following), never beside a drain that is under way.
@Suite("Group commit queue")
struct GroupCommitQueueTests {
    /// What the queue ran, in order.
    final class Log: Sendable {
        private let entries = Mutex<[String]>([])
        func append(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
    }

    /// A queue whose commits and maintenance are written to a log; commits wait for `gate` when one is given.
    static func queue(_ log: Log, gate: AsyncStream<Void>? = nil) -> GroupCommitQueue<Int, Int> {
        GroupCommitQueue<Int, Int>(
            maximumWeight: 10,
            commit: { batches in
                log.append("commit \(batches)")
                if let gate { for await _ in gate { break } }
                return batches.map { $0 * 2 }
            },
            afterCommit: { weight in log.append("maintenance \(weight)") }
        )
    }

    static func waitFor(_ log: Log, count: Int) async throws {
        for _ in 0..<500 where log.all.count < count {
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test func aNudgeRunsTheMaintenanceWhenIdleThenCommitsWhatArrives() async throws {
        let log = Log()
        let queue = Self.queue(log)
        queue.nudge()
        try await Self.waitFor(log, count: 1)
        #expect(log.all == ["maintenance 0"])
        #expect(try await queue.submit(3, weight: 1) == 6)
        try await Self.waitFor(log, count: 3)
        #expect(log.all == ["maintenance 0", "commit [3]", "maintenance 1"])
    }

    @Test func aNudgeDuringACommitLeavesTheMaintenanceToThatCommit() async throws {
        let log = Log()
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let queue = Self.queue(log, gate: gate)
        let answer = Task { try await queue.submit(5, weight: 1) }
        try await Self.waitFor(log, count: 1)
        queue.nudge()
        open.yield()
        #expect(try await answer.value == 10)
        try await Self.waitFor(log, count: 2)
        try await Task.sleep(for: .milliseconds(50))
        #expect(log.all == ["commit [5]", "maintenance 1"], "one maintenance, after the commit, none beside it")
    }
}
