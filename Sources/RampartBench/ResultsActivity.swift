import Synchronization

/// When the soak's results requests run, so that memory samples can be marked busy (an analysis ran during the
/// sample's interval: ``MemorySeries``), and how long each took.
final class ResultsActivity: Sendable {
    /// One finished request: seconds since the start when it ended, and its duration in seconds.
    struct Request: Sendable {
        var endedAt: Double
        var seconds: Double
    }

    private let inFlight = Atomic(0)
    private let startedSinceTaken = Atomic(false)
    private let startedInAll = Atomic(0)
    private let finished = Mutex<[Request]>([])

    /// A request starts.
    func start() {
        inFlight.add(1, ordering: .relaxed)
        startedSinceTaken.store(true, ordering: .relaxed)
        startedInAll.add(1, ordering: .relaxed)
    }

    /// What another request notes as it starts, to tell later whether a results request ran during it.
    struct Mark: Sendable {
        var inFlight: Bool
        var started: Int
    }

    /// The mark for a request that starts now.
    func mark() -> Mark {
        Mark(inFlight: inFlight.load(ordering: .relaxed) > 0, started: startedInAll.load(ordering: .relaxed))
    }

    /// Whether a results request ran at any time between `mark` and now: one was in flight then or is now, or one
    /// started in between.
    func overlapped(since mark: Mark) -> Bool {
        mark.inFlight || inFlight.load(ordering: .relaxed) > 0 || startedInAll.load(ordering: .relaxed) != mark.started
    }

    /// A request ends.
    ///
    /// - Parameters:
    ///   - endedAt: Seconds since the start.
    ///   - seconds: How long it took.
    func end(at endedAt: Double, took seconds: Double) {
        inFlight.subtract(1, ordering: .relaxed)
        finished.withLock { $0.append(Request(endedAt: endedAt, seconds: seconds)) }
    }

    /// Whether a request ran at any time since the last call (one in flight now, or one started since), for the
    /// sample taken now.
    func takeBusy() -> Bool {
        let started = startedSinceTaken.exchange(false, ordering: .relaxed)
        return started || inFlight.load(ordering: .relaxed) > 0
    }

    /// The median duration, in seconds, of the requests that ended in `window`; nil when none did.
    ///
    /// - Parameter window: Seconds since the start, both ends included.
    func medianSeconds(endedIn window: ClosedRange<Double>) -> Double? {
        let durations = finished.withLock { $0 }.filter { window.contains($0.endedAt) }.map(\.seconds)
        return durations.isEmpty ? nil : BenchTimer.Result.median(durations)
    }
}
