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

    @Test func fullBufferDropsAndCounts() {
        let logger = ExposureLogger(sink: RecordingSink(), configuration: .init(batchSize: 10, capacity: 5))
        for i in 0..<8 { logger.log(Exposure(unit: "u\(i)", experiment: "e", variant: "v", phase: 0)) }
        #expect(logger.pendingCount == 5)
    }
}
