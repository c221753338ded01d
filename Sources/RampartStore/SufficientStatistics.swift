/// Count, sum and sum of squares of per-unit values: all a mean and its variance need.
public struct SufficientStatistics: Sendable, Hashable {
    /// The number of units (including those whose value is 0).
    public var count: Int
    /// Σx.
    public var sum: Double
    /// Σx².
    public var sumOfSquares: Double

    public init(count: Int = 0, sum: Double = 0, sumOfSquares: Double = 0) {
        self.count = count
        self.sum = sum
        self.sumOfSquares = sumOfSquares
    }

    /// The mean, or NaN with no units.
    public var mean: Double { count > 0 ? sum / Double(count) : .nan }

    /// The sample variance (n − 1 denominator), or NaN with fewer than two units.
    public var variance: Double {
        guard count > 1 else { return .nan }
        let n = Double(count)
        return max(0, (sumOfSquares - sum * sum / n) / (n - 1))
    }
}

/// The sufficient statistics of two per-unit values observed together.
public struct JointStatistics: Sendable, Hashable {
    /// Statistics of the first value.
    public var x: SufficientStatistics
    /// Statistics of the second value.
    public var y: SufficientStatistics
    /// Σxy over units.
    public var sumOfProducts: Double

    public init(x: SufficientStatistics = .init(), y: SufficientStatistics = .init(), sumOfProducts: Double = 0) {
        self.x = x
        self.y = y
        self.sumOfProducts = sumOfProducts
    }

    /// The sample covariance (n − 1 denominator), or NaN with fewer than two units.
    public var covariance: Double {
        guard x.count > 1 else { return .nan }
        let n = Double(x.count)
        return (sumOfProducts - x.sum * y.sum / n) / (n - 1)
    }
}
