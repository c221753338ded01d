import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Batches exposures off the evaluation hot path and writes them to a sink.
///
/// `log(_:)` only appends to an in-memory buffer under a lock. The service's run loop flushes the buffer every
/// `flushInterval`, or sooner when `batchSize` exposures are waiting. On graceful shutdown it stops waiting and
/// flushes until the buffer is empty, so no exposure served before shutdown is lost. A failed write keeps the batch
/// and retries it; only when `capacity` exposures are waiting are new ones dropped, and counted.
///
/// A repeat (the same unit, experiment, phase, variant and segment values as an exposure this logger accepted
/// within the last `repeatWindow`) adds nothing to attribution, which keeps each unit's first exposure, so it is
/// counted and not written again: a unit evaluated on every request costs one write per window, not one per
/// request. The keys remembered are bounded (`repeatCapacity`); past that, older ones are forgotten early and their
/// repeats written, which is always safe.
public final class ExposureLogger: Service, Sendable {
    /// How the logger batches.
    public struct Configuration: Sendable {
        public var batchSize: Int
        public var flushInterval: Duration
        public var capacity: Int
        /// How long an accepted exposure's repeats are not written again (at least half of it, at most all of
        /// it); `.zero` writes every exposure.
        public var repeatWindow: Duration
        /// The most exposure keys remembered for ``repeatWindow``.
        public var repeatCapacity: Int

        public init(
            batchSize: Int = 1_000, flushInterval: Duration = .milliseconds(200), capacity: Int = 1_000_000,
            repeatWindow: Duration = .seconds(600), repeatCapacity: Int = 200_000
        ) {
            self.batchSize = batchSize
            self.flushInterval = flushInterval
            self.capacity = capacity
            self.repeatWindow = repeatWindow
            self.repeatCapacity = repeatCapacity
        }
    }

    private struct State {
        var pending: [Exposure] = []
        var wake: AsyncStream<Void>.Continuation?
        var repeats: ExposureRepeats
    }

    private let sink: any ExposureSink
    private let configuration: Configuration
    private let logger: Logger
    private let state: Mutex<State>
    private let dropped = Counter(label: "rampart_exposures_dropped_total")
    private let written = Counter(label: "rampart_exposures_written_total")
    private let repeated = Counter(label: "rampart_exposures_repeated_total")

    public init(sink: any ExposureSink, configuration: Configuration = .init(), logger: Logger = Logger(label: "rampart.exposures")) {
        self.sink = sink
        self.configuration = configuration
        self.logger = logger
        state = Mutex(State(repeats: ExposureRepeats(window: configuration.repeatWindow, capacity: configuration.repeatCapacity)))
    }

    /// Queues an exposure, unless it repeats one accepted within the repeat window; never blocks on I/O.
    public func log(_ exposure: Exposure) {
        enum Outcome { case queued, repeated, dropped }
        let now = ContinuousClock.now
        let (outcome, wake) = state.withLock { state -> (Outcome, AsyncStream<Void>.Continuation?) in
            if state.repeats.contains(exposure, at: now) { return (.repeated, nil) }
            guard state.pending.count < configuration.capacity else { return (.dropped, nil) }
            state.repeats.insert(exposure, at: now)
            state.pending.append(exposure)
            return (.queued, state.pending.count == configuration.batchSize ? state.wake : nil)
        }
        switch outcome {
        case .queued: break
        case .repeated: repeated.increment()
        case .dropped: dropped.increment()
        }
        wake?.yield()
    }

    /// The number of exposures waiting to be written.
    public var pendingCount: Int {
        state.withLock { $0.pending.count }
    }

    public func run() async throws {
        let (wakeups, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        state.withLock { $0.wake = continuation }
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: self.configuration.flushInterval)
                        continuation.yield()
                    }
                }
                for await _ in wakeups {
                    await self.flushAll()
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            continuation.finish()
        }
        await drain()
    }

    /// Writes everything pending, retrying failed batches a few times; used at shutdown.
    func drain() async {
        var failures = 0
        while pendingCount > 0, failures < 5 {
            if await !flush() {
                failures += 1
                try? await Task.sleep(for: .milliseconds(100 * failures))
            }
        }
        let left = pendingCount
        if left > 0 {
            logger.error("exposures not written at shutdown", metadata: ["count": "\(left)"])
        }
    }

    /// Writes every pending exposure in batches, stopping at the first failed write (retried on the next tick).
    func flushAll() async {
        while pendingCount > 0 {
            guard await flush() else { return }
        }
    }

    /// Writes one batch; on failure puts it back at the front. Returns whether the write succeeded.
    @discardableResult
    func flush() async -> Bool {
        let batch = state.withLock { state -> [Exposure] in
            let batch = Array(state.pending.prefix(configuration.batchSize))
            state.pending.removeFirst(batch.count)
            return batch
        }
        guard !batch.isEmpty else { return true }
        do {
            try await sink.record(batch)
            written.increment(by: batch.count)
            return true
        } catch {
            logger.warning("exposure batch not written; will retry", metadata: ["count": "\(batch.count)", "error": "\(error)"])
            state.withLock { $0.pending.insert(contentsOf: batch, at: 0) }
            return false
        }
    }
}
