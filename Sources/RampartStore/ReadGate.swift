import Synchronization

/// Lets this process's reads in, or holds new ones back while the write-ahead log is reset
/// (``SQLiteEventStore/resetWriteAheadLogHoldingReads()``).
///
/// A `RESTART` checkpoint can reset the log only once no reader holds an older snapshot; reads that overlap
/// without a gap keep it from ever doing so. Closing the gate for the moment it takes the reads in progress to end
/// gives the checkpoint that gap. A read waits at the gate only while it is closed; otherwise entering costs one
/// uncontended lock.
final class ReadGate: Sendable {
    private struct State {
        var active = 0
        /// How many callers hold the gate closed (the background bound and a writer's can overlap).
        var closers = 0
        var closed: Bool { closers > 0 }
        var held: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Enters, waiting while the gate is closed.
    func enter() async {
        if state.withLock({ s in
            guard !s.closed else { return false }
            s.active += 1
            return true
        }) { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let admitted = state.withLock { s -> Bool in
                guard s.closed else {
                    s.active += 1
                    return true
                }
                s.held.append(continuation)
                return false
            }
            if admitted { continuation.resume() }
        }
    }

    /// Leaves after a read.
    func leave() {
        state.withLock { $0.active -= 1 }
    }

    /// The reads in progress.
    var active: Int { state.withLock { $0.active } }

    /// Holds new reads back (the reads in progress go on) until every caller that closed the gate has opened it.
    func close() {
        state.withLock { $0.closers += 1 }
    }

    /// Lets reads in again, the held ones first, once no other caller holds the gate closed.
    func open() {
        let held = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.closers = max(0, s.closers - 1)
            guard !s.closed else { return [] }
            let held = s.held
            s.held = []
            s.active += held.count
            return held
        }
        for continuation in held { continuation.resume() }
    }
}
