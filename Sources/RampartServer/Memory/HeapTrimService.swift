import Logging
import Metrics
import ServiceLifecycle

/// Gives the allocator's free memory back to the operating system every `interval` (``Allocator``), so that the
/// server's resident memory follows what it uses rather than the most it ever used.
///
/// Each trim is timed in `rampart_heap_trim_seconds`. A trim walks the allocator's arenas and holds each one's lock
/// meanwhile, so it runs on a timer, not after every request.
struct HeapTrimService: Service {
    let interval: Duration
    let logger: Logger

    func run() async throws {
        guard Allocator.isAvailable else {
            logger.debug("no malloc_trim in this C library: free memory stays with the allocator")
            return
        }
        let timer = Timer(label: "rampart_heap_trim_seconds", preferredDisplayUnit: .seconds)
        await runPeriodically(every: interval) {
            let clock = ContinuousClock()
            let start = clock.now
            let released = Allocator.releaseFreeMemory()
            let took = clock.now - start
            timer.recordNanoseconds(Int64(took / .nanoseconds(1)))
            logger.trace("heap trim", metadata: ["released": "\(released)", "took": "\(took)"])
        }
    }
}
