/// An empirical distribution given as a histogram, for stores that keep bucketed latencies.
///
/// Bin i covers (edges[i], edges[i+1]] and holds counts[i] events. A probability maps to
/// the bin that holds its rank; `.down` returns the bin's lower edge and `.up` its upper
/// edge, so intervals mapped through a histogram are widened to bin boundaries, never narrowed.
/// The empirical CDF (`share(atOrBelow:)`) interpolates linearly inside a bin.
public struct Histogram: EmpiricalDistribution, Hashable {
    /// Bin edges, ascending, one more than the bins.
    public let edges: [Double]
    /// Event counts per bin.
    public let counts: [Int]
    private let cumulative: [Int]

    /// Creates a histogram. Returns `nil` when the shapes or values are inconsistent.
    /// - Parameters:
    ///   - edges: k + 1 ascending finite edges.
    ///   - counts: k non-negative counts.
    public init?(edges: [Double], counts: [Int]) {
        guard edges.count == counts.count + 1, !counts.isEmpty,
              edges.allSatisfy(\.isFinite), zip(edges, edges.dropFirst()).allSatisfy({ $0 < $1 }),
              counts.allSatisfy({ $0 >= 0 }) else { return nil }
        self.edges = edges
        self.counts = counts
        var running = 0
        self.cumulative = counts.map { running += $0; return running }
    }

    public func value(atProbability probability: Double, rounding: RankRounding) -> Double? {
        guard let total = cumulative.last,
              let rank = rank(count: total, probability: probability, rounding: rounding) else { return nil }
        var low = 0, high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] >= rank { high = middle } else { low = middle + 1 }
        }
        return rounding == .down ? edges[low] : edges[low + 1]
    }

    /// The share of events at or below `value`, interpolating linearly inside the bin that holds it.
    public func share(atOrBelow value: Double) -> Double? {
        guard let total = cumulative.last, total > 0, value.isFinite else { return nil }
        if value <= edges[0] { return 0 }
        guard let bin = edges.indices.dropFirst().first(where: { value <= edges[$0] }).map({ $0 - 1 }) else { return 1 }
        let before = bin > 0 ? cumulative[bin - 1] : 0
        let within = Double(counts[bin]) * (value - edges[bin]) / (edges[bin + 1] - edges[bin])
        return (Double(before) + within) / Double(total)
    }
}
