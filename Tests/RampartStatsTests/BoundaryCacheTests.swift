import Foundation
import Synchronization
import Testing
@testable import RampartStats

/// The process-wide memo of α-spending boundaries (``AlphaSpendingBoundary/BoundaryCache``): bounded, keeps the sets
/// in use, and never changes a boundary.
@Suite("Alpha-spending boundary cache")
struct BoundaryCacheTests {
    func design(_ maximum: Double, oneSided: Bool = false) -> AlphaSpendingBoundary {
        AlphaSpendingBoundary(alpha: 0.05, spending: .obrienFleming, maximumUnits: maximum, oneSided: oneSided)
    }

    @Test("a set in use survives any number of others up to the capacity; the memo holds at most twice that")
    func keepsWhatIsInUse() {
        let cache = AlphaSpendingBoundary.BoundaryCache(capacity: 2)
        let (a, b, c, d) = (design(1_000), design(2_000), design(3_000), design(4_000))
        let looks = [100.0, 200], fractions = [0.1, 0.2]
        cache.store([1], for: a, looks: looks, fractions: fractions)
        cache.store([2], for: b, looks: looks, fractions: fractions)
        cache.store([3], for: c, looks: looks, fractions: fractions)   // a and b become the older generation
        #expect(cache.value(for: a, looks: looks, fractions: fractions) == [1], "a hit in the older generation is kept")
        cache.store([4], for: d, looks: looks, fractions: fractions)   // c and a become the older generation; b goes
        #expect(cache.value(for: b, looks: looks, fractions: fractions) == nil)
        #expect(cache.value(for: a, looks: looks, fractions: fractions) == [1])
        #expect(cache.value(for: c, looks: looks, fractions: fractions) == [3])
        #expect(cache.value(for: d, looks: looks, fractions: fractions) == [4])
        #expect(cache.statistics.count <= 4)
        #expect(cache.value(for: a, looks: looks, fractions: [0.1, 0.3]) == nil, "the fractions are part of the key")
    }

    @Test("hundreds of experiments' sets are all kept (the old memo was cleared past 512 and recomputed every pass)")
    func manyDesigns() {
        let cache = AlphaSpendingBoundary.BoundaryCache()
        let designs = (1...1_500).map { design(Double($0) * 10, oneSided: $0 % 2 == 0) }
        for (i, d) in designs.enumerated() { cache.store([Double(i)], for: d, looks: [5], fractions: [0.5]) }
        for (i, d) in designs.enumerated() { #expect(cache.value(for: d, looks: [5], fractions: [0.5]) == [Double(i)]) }
        let statistics = cache.statistics
        #expect(statistics.hits == 1_500 && statistics.misses == 0 && statistics.count == 1_500)
    }

    @Test("a cached boundary is the boundary: asked again, the same values, counted as a hit")
    func cachedEqualsComputed() throws {
        // A design no other test uses, so its first lookup computes.
        let d = design(12_345.5)
        let looks = (1...20).map { Double($0) * 400 }, fractions = (1...20).map { Double($0) / 28 }
        let first = try #require(d.boundaries(looks: looks, fractions: fractions))
        let hits = AlphaSpendingBoundary.cache.statistics.hits
        let again = try #require(d.boundaries(looks: looks, fractions: fractions))
        #expect(first == again)
        #expect(AlphaSpendingBoundary.cache.statistics.hits > hits)
        #expect(AlphaSpendingPlan.boundaryCacheStatistics.count >= 1)
        // Concurrent readers and writers see consistent sets.
        let results = Mutex<[[Double]?]>([])
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            let other = design(20_000 + Double(i % 4))
            let b = other.boundaries(looks: Array(looks.prefix(5)), fractions: Array(fractions.prefix(5)))
            let again = d.boundaries(looks: looks, fractions: fractions)
            results.withLock { $0.append(b); $0.append(again) }
        }
        let all = results.withLock { $0 }
        #expect(all.count == 32 && all.allSatisfy { $0 != nil })
        #expect(all.filter { $0 == first }.count >= 16)
    }
}
