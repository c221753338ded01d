import Testing
@testable import RampartStore

/// The filter that lets a pass read in two statements count each unit once
/// (``EventPass/statements(asOf:shard:staged:)``; the whole read: `AnalysisRequestTests.stagedEventsReadLikeMergedOnes`).
@Suite("Row accumulator filter")
struct RowAccumulatorFilterTests {
    @Test func theSecondStatementLeavesOutTheUnitsOfTheFirst() {
        let accumulator = RowAccumulator()
        #expect(accumulator.admits(7))
        accumulator.filter = .recording
        #expect(accumulator.admits(3))
        #expect(accumulator.admits(9))
        accumulator.filter = .skippingRecorded
        #expect(!accumulator.admits(3))
        #expect(!accumulator.admits(9))
        #expect(accumulator.admits(4))
        #expect(accumulator.admits(7), "admitted while nothing was recorded: not recorded")
    }

    @Test func everyRowPassesWithoutAFilter() {
        let accumulator = RowAccumulator()
        accumulator.filter = .recording
        _ = accumulator.admits(1)
        accumulator.filter = .all
        #expect(accumulator.admits(1))
    }
}
