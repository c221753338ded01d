/// An empirical distribution given by all event values (or a uniform subsample of them).
public struct SortedSample: EmpiricalDistribution, Hashable {
    /// The values in ascending order, non-finite values removed.
    public let values: [Double]

    /// Creates a sample, sorting the values and dropping NaN and infinities.
    /// - Parameter values: Event values in any order.
    public init(_ values: [Double]) {
        self.values = values.filter(\.isFinite).sorted()
    }

    /// Creates a sample from values that are already sorted and finite.
    /// - Parameter sortedValues: Ascending finite values (not checked).
    public init(sorted sortedValues: [Double]) {
        self.values = sortedValues
    }

    public func value(atProbability probability: Double, rounding: RankRounding) -> Double? {
        guard let rank = rank(count: values.count, probability: probability, rounding: rounding) else { return nil }
        return values[rank - 1]
    }

    public func share(atOrBelow value: Double) -> Double? {
        guard !values.isEmpty, value.isFinite else { return nil }
        var low = 0, high = values.count
        while low < high {
            let middle = (low + high) / 2
            if values[middle] <= value { low = middle + 1 } else { high = middle }
        }
        return Double(low) / Double(values.count)
    }

    /// The p-quantile as the order statistic of rank ⌈N·p⌉ (the inverse empirical CDF).
    /// - Parameter level: The quantile level p.
    public func quantile(_ level: Double) -> Double? {
        value(atProbability: level, rounding: .up)
    }
}
