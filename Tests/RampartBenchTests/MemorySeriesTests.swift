import Testing
import RampartBench

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
}
