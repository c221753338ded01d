import Synchronization

/// Group commit: concurrent submissions wait in a queue, and one writer commits everything that is waiting in a
/// single transaction, then answers each submission with its own result.
///
/// Whoever submits to an idle queue starts a drain task; submissions arriving while a transaction runs wait for the
/// next one, so under load each transaction (and its fsync) carries many callers' batches, and at low load a lone
/// batch is committed at once. Results stay per submission: the commit returns one result per batch, in order.
final class GroupCommitQueue<Batch: Sendable, Outcome: Sendable>: Sendable {
    /// Commits batches in one transaction; returns one outcome per batch, in order.
    typealias Commit = @Sendable ([Batch]) async throws -> [Outcome]

    private struct Waiter {
        var batch: Batch
        var weight: Int
        var continuation: CheckedContinuation<Outcome, any Error>
    }

    private struct State {
        var waiting: [Waiter] = []
        var draining = false
        /// A ``nudge()`` came while the queue was draining: the drain runs the maintenance once more before it stops.
        var nudged = false
    }

    /// What the drain does next.
    private enum Step {
        case commit([Waiter])
        case maintain
        case stop
    }

    private let state = Mutex(State())
    private let commit: Commit
    private let afterCommit: @Sendable (Int) async -> Void
    /// The most weight (e.g. events) one transaction takes, unless a single batch is heavier.
    let maximumWeight: Int

    /// Creates a queue.
    ///
    /// - Parameters:
    ///   - maximumWeight: The most weight one transaction takes; a heavier batch still goes alone.
    ///   - commit: Writes batches in one transaction.
    ///   - afterCommit: Runs after each transaction's callers have been answered (e.g. maintenance), before the next,
    ///     with the weight that transaction committed (0 after a ``nudge()``), so that maintenance can keep pace.
    init(maximumWeight: Int, commit: @escaping Commit, afterCommit: @escaping @Sendable (Int) async -> Void = { _ in }) {
        self.maximumWeight = maximumWeight
        self.commit = commit
        self.afterCommit = afterCommit
    }

    /// Whether batches are waiting for a transaction (maintenance between transactions then yields to them).
    var hasWaiting: Bool { state.withLock { !$0.waiting.isEmpty } }

    /// Queues a batch and returns its outcome once the transaction that carried it has committed.
    ///
    /// - Parameters:
    ///   - batch: The batch.
    ///   - weight: Its size against ``maximumWeight``.
    /// - Throws: The commit's error, when the transaction that carried the batch failed (nothing of it is stored).
    func submit(_ batch: Batch, weight: Int) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            let start = state.withLock { state -> Bool in
                state.waiting.append(Waiter(batch: batch, weight: weight, continuation: continuation))
                guard !state.draining else { return false }
                state.draining = true
                return true
            }
            if start {
                Task { await self.drain() }
            }
        }
    }

    /// Runs the maintenance (`afterCommit`) without a transaction when the queue is idle, then commits whatever
    /// arrived meanwhile; when the queue is draining, its drain runs the maintenance once more (with 0) before it
    /// stops, so a nudge is never lost, even one that comes while the last maintenance is deciding not to schedule
    /// another.
    ///
    /// For work that became ready outside the queue (a merge's plan, sorted in the background) and must not run
    /// beside the maintenance: the queue's drain is the only one to run it.
    func nudge() {
        let start = state.withLock { state -> Bool in
            guard !state.draining else {
                state.nudged = true
                return false
            }
            state.draining = true
            return true
        }
        if start {
            Task {
                await self.afterCommit(0)
                await self.drain()
            }
        }
    }

    /// Commits groups until nobody is waiting (and runs the maintenance once more if nudged meanwhile).
    private func drain() async {
        while true {
            let step = state.withLock { state -> Step in
                guard !state.waiting.isEmpty else {
                    if state.nudged {
                        state.nudged = false
                        return .maintain
                    }
                    state.draining = false
                    return .stop
                }
                var total = 0
                var count = 0
                for waiter in state.waiting {
                    if count > 0, total + waiter.weight > maximumWeight { break }
                    total += waiter.weight
                    count += 1
                }
                let group = Array(state.waiting.prefix(count))
                state.waiting.removeFirst(count)
                return .commit(group)
            }
            switch step {
            case .stop:
                return
            case .maintain:
                await afterCommit(0)
            case .commit(let group):
                do {
                    let outcomes = try await commit(group.map(\.batch))
                    for (waiter, outcome) in zip(group, outcomes) { waiter.continuation.resume(returning: outcome) }
                } catch {
                    for waiter in group { waiter.continuation.resume(throwing: error) }
                }
                await afterCommit(group.reduce(0) { $0 + $1.weight })
            }
        }
    }
}
