import Foundation
import ServiceLifecycle
import Logging
import Testing
@testable import RampartServer

@Suite("Exposure batching")
struct ExposureLoggerTests {
    @Test func batchesAreWrittenAndFailedWritesRetried() async throws {
        let sink = RecordingSink()
        await sink.failNext(2)
        let logger = ExposureLogger(sink: sink, configuration: .init(batchSize: 10, flushInterval: .milliseconds(10)))
        let group = ServiceGroup(services: [logger], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for i in 0..<95 {
                logger.log(Exposure(unit: "u\(i)", experiment: "e", variant: "control", phase: 0))
            }
            var waited = 0
            while await sink.exposures.count < 95, waited < 500 {
                try await Task.sleep(for: .milliseconds(10))
                waited += 1
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let exposures = await sink.exposures
        #expect(exposures.count == 95)
        #expect(Set(exposures.map(\.unit)).count == 95)
        #expect(await sink.batches >= 10)
    }

    /// A repeat of an accepted exposure within the window is not queued; another variant, phase, experiment or
    /// segment value is; with a zero window every exposure is queued.
    @Test func repeatsWithinTheWindowAreNotWrittenAgain() {
        let logger = ExposureLogger(sink: RecordingSink(), configuration: .init(batchSize: 1_000, repeatWindow: .seconds(600)))
        let base = Exposure(unit: "u1", experiment: "e", variant: "a", phase: 0)
        for _ in 0..<5 { logger.log(base) }
        #expect(logger.pendingCount == 1)
        var other = base
        other.variant = "b"
        logger.log(other)
        other = base
        other.phase = 1
        logger.log(other)
        other = base
        other.experiment = "f"
        logger.log(other)
        other = base
        other.segments = ["plan": "pro"]
        logger.log(other)
        logger.log(other)
        other = base
        other.unit = "u2"
        logger.log(other)
        #expect(logger.pendingCount == 6)

        let everything = ExposureLogger(sink: RecordingSink(), configuration: .init(repeatWindow: .zero))
        for _ in 0..<5 { everything.log(base) }
        #expect(everything.pendingCount == 5)
    }

    /// A key is remembered for at least half the window and at most the window; the memory holds at most its
    /// capacity (older keys are forgotten early, so their repeats are written, never lost).
    @Test func repeatsAreRememberedForAWindowWithinTheCapacity() {
        var repeats = ExposureRepeats(window: .seconds(10), capacity: 4)
        let start = ContinuousClock.now
        let e = { (unit: String) in Exposure(unit: unit, experiment: "e", variant: "a", phase: 0) }
        func seen(_ unit: String, _ seconds: Int) -> Bool { repeats.contains(e(unit), at: start + .seconds(seconds)) }
        #expect(!seen("u1", 0))
        repeats.insert(e("u1"), at: start)
        #expect(seen("u1", 4))
        #expect(seen("u1", 6), "moved to the previous generation")
        #expect(!seen("u1", 12), "forgotten after a window")
        for i in 0..<10 { repeats.insert(e("v\(i)"), at: start + .seconds(13)) }
        #expect(!seen("v0", 13), "past the capacity, the oldest are forgotten")
        #expect(seen("v9", 13))
    }

    @Test func fullBufferDropsAndCounts() {
        let logger = ExposureLogger(sink: RecordingSink(), configuration: .init(batchSize: 10, capacity: 5))
        for i in 0..<8 { logger.log(Exposure(unit: "u\(i)", experiment: "e", variant: "v", phase: 0)) }
        #expect(logger.pendingCount == 5)
    }
}
