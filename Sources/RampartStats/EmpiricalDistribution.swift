/// An empirical distribution of event values, used to map probabilities back to values.
public protocol EmpiricalDistribution: Sendable {
    /// The value of the order statistic whose rank is N·p rounded as asked, clamped to [1, N].
    /// - Parameters:
    ///   - probability: A probability in [0, 1].
    ///   - rounding: `.down` for ⌊N·p⌋, `.up` for ⌈N·p⌉.
    /// - Returns: The value, or `nil` when the distribution is empty or p is not finite.
    func value(atProbability probability: Double, rounding: RankRounding) -> Double?

    /// The share of events at or below `value`: the empirical CDF.
    /// - Returns: The share in [0, 1], or `nil` when the distribution is empty or the value is not finite.
    func share(atOrBelow value: Double) -> Double?
}

extension EmpiricalDistribution {
    /// The rank ⌊N·p⌋ or ⌈N·p⌉ clamped to 1…N, or `nil` when N is 0 or p is not finite.
    func rank(count: Int, probability: Double, rounding: RankRounding) -> Int? {
        guard count > 0, probability.isFinite else { return nil }
        let scaled = Double(count) * min(max(probability, 0), 1)
        let raw = rounding == .down ? scaled.rounded(.down) : scaled.rounded(.up)
        return min(max(Int(raw), 1), count)
    }
}
