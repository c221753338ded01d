import Testing
@testable import RampartBench

/// The soak's memory level: the median of the samples over a window, not one sample.
@Suite("Memory series")
struct MemorySeriesTests {
    /// A swing of ±100 MiB around a steady 300 MiB: single samples at its top and bottom differ by 67 %, the
    /// levels over two windows agree.
    @Test func aLevelIsTheMedianOverItsWindowWhateverTheSwing() {
        var series = MemorySeries()
        for t in 0..<600 {
            let swing: Double = [0, 100, -100][t % 3]
            series.append(seconds: Double(t), mib: 300 + swing)
        }
        #expect(series.level(in: 300...360) == 300)
        #expect(series.level(in: 540...599) == 300)
        #expect(series.sample(atOrAfter: 301) == 400)
        #expect(series.sample(atOrAfter: 302) == 200)
    }

    /// Growth shows in the level: memory rising by 1 MiB a second moves the last minute's level by the growth.
    @Test func growthMovesTheLevel() {
        var series = MemorySeries()
        for t in 0...600 { series.append(seconds: Double(t), mib: 200 + Double(t)) }
        #expect(series.level(in: 300...360) == 530)
        #expect(series.level(in: 540...600) == 770)
    }

    /// An even count takes the mean of the two middle samples; no sample in the window gives no level; samples of
    /// 0 (the process was gone) are left out; past the last sample, the last one stands.
    @Test func edges() {
        var series = MemorySeries()
        series.append(seconds: 1, mib: 100)
        series.append(seconds: 2, mib: 0)
        series.append(seconds: 3, mib: 200)
        #expect(series.samples.count == 2)
        #expect(series.level(in: 0...10) == 150)
        #expect(series.level(in: 20...30) == nil)
        #expect(series.sample(atOrAfter: 99) == 200)
        #expect(MemorySeries().sample(atOrAfter: 0) == nil)
    }

    /// Work that takes a growing share of the run moves the level over all samples with no memory held: 300 MiB at
    /// rest, 500 MiB while busy, busy one second in ten in the first window and six in ten in the last. The level at
    /// rest stays where it was, and the shares say why the other moved.
    @Test func theLevelAtRestLeavesOutTheBusySamples() {
        var series = MemorySeries()
        for t in 0..<600 {
            let busy = t < 300 ? t % 10 == 0 : t % 10 < 6
            series.append(seconds: Double(t), mib: busy ? 500 : 300, busy: busy)
        }
        #expect(series.level(in: 0...99) == 300)
        #expect(series.level(in: 500...599) == 500)
        #expect(series.level(in: 500...599, busy: false) == 300)
        #expect(series.level(in: 500...599, busy: true) == 500)
        #expect(series.busyShare(in: 0...99) == 0.1)
        #expect(series.busyShare(in: 500...599) == 0.6)
        #expect(series.samples(in: 500...599, busy: false).count == 40)
        #expect(series.busyShare(in: 700...800) == nil)
        #expect(series.level(in: 0...99, busy: true) == 500)
    }

    /// A sample is busy when a request is in flight as it is taken, or one ran since the last sample, even if it
    /// ended before; the durations' median is over the requests that ended in the window.
    @Test func resultsActivityMarksTheSecondsARequestTouched() {
        let activity = ResultsActivity()
        #expect(!activity.takeBusy())
        activity.start()
        #expect(activity.takeBusy())
        #expect(activity.takeBusy(), "still in flight")
        activity.end(at: 10, took: 2)
        #expect(!activity.takeBusy())
        activity.start()
        activity.end(at: 11, took: 0.5)
        #expect(activity.takeBusy(), "started and ended between two samples")
        #expect(!activity.takeBusy())
        activity.start()
        activity.end(at: 30, took: 4)
        #expect(activity.medianSeconds(endedIn: 0...20) == 1.25)
        #expect(activity.medianSeconds(endedIn: 20...40) == 4)
        #expect(activity.medianSeconds(endedIn: 50...60) == nil)
    }
}
