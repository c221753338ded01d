import Testing
import RampartStats

@Test func linksAgainstGSL() {
    #expect(gslVersion.hasPrefix("2."))
}

/// The empirical CDF quantile ceilings read: exact on a sample, interpolated inside a histogram's bin.
@Test func empiricalShareAtOrBelow() {
    let sample = SortedSample([3, 1, 2, 2, 5])
    #expect(sample.share(atOrBelow: 0) == 0)
    #expect(sample.share(atOrBelow: 2) == 0.6)
    #expect(sample.share(atOrBelow: 4.9) == 0.8)
    #expect(sample.share(atOrBelow: 5) == 1)
    #expect(sample.share(atOrBelow: .nan) == nil)
    #expect(SortedSample([]).share(atOrBelow: 1) == nil)
    let histogram = Histogram(edges: [0, 10, 20, 40], counts: [2, 4, 2])!
    #expect(histogram.share(atOrBelow: -1) == 0)
    #expect(histogram.share(atOrBelow: 10) == 0.25)
    #expect(histogram.share(atOrBelow: 15) == 0.5)
    #expect(histogram.share(atOrBelow: 30) == 0.875)
    #expect(histogram.share(atOrBelow: 50) == 1)
    #expect(Histogram(edges: [0, 1], counts: [0])!.share(atOrBelow: 0.5) == nil)
}
