/// Sufficient statistics of a per-unit metric in one variant: count, sum and sum of squares.
///
/// For a mean metric (tokens, mean latency), `sum` = Σ yᵢ and `sumSquares` = Σ yᵢ² over
/// the randomisation units. For a proportion (task completion, escalation, error rate),
/// each unit contributes 0 or 1, so `sum` = `sumSquares` = the number of successes; use
/// ``proportion(successes:units:)`` so the Bernoulli variance p(1 − p) is used.
public struct SampleStatistics: Sendable, Hashable, MetricStatistics, ComparableStatistics {
    /// How the per-unit variance is estimated.
    public enum Kind: Sendable, Hashable {
        /// Sample variance with n − 1 in the denominator: (Σy² − (Σy)²/n) / (n − 1).
        case mean
        /// Bernoulli variance p(1 − p) with p = Σy / n (GrowthBook's convention).
        case proportion
    }

    /// The number of randomisation units.
    public var units: Int
    /// Σ yᵢ over units.
    public var sum: Double
    /// Σ yᵢ² over units.
    public var sumSquares: Double
    /// Mean or proportion.
    public var kind: Kind

    /// Creates statistics for a mean metric (or a proportion when `kind` is `.proportion`).
    /// - Parameters:
    ///   - units: The number of randomisation units n.
    ///   - sum: Σ yᵢ.
    ///   - sumSquares: Σ yᵢ².
    ///   - kind: `.mean` (default) or `.proportion`.
    public init(units: Int = 0, sum: Double = 0, sumSquares: Double = 0, kind: Kind = .mean) {
        self.units = units
        self.sum = sum
        self.sumSquares = sumSquares
        self.kind = kind
    }

    /// Creates statistics for a proportion metric.
    /// - Parameters:
    ///   - successes: The number of units with the outcome (completed, escalated, errored).
    ///   - units: The number of randomisation units.
    public static func proportion(successes: Double, units: Int) -> SampleStatistics {
        SampleStatistics(units: units, sum: successes, sumSquares: successes, kind: .proportion)
    }

    /// The sample mean Σy / n, or `nil` when there are no units.
    public var mean: Double? {
        units > 0 ? sum / Double(units) : nil
    }

    /// The per-unit variance (see ``Kind``), or the reason it does not exist.
    public func unitVariance() -> Result<Double, DegenerateReason> {
        if let problem = InputValidation.finite(["sum": sum, "sumSquares": sumSquares]) {
            return .failure(problem)
        }
        guard units >= 0 else { return .failure(.invalidInput("negative unit count")) }
        guard units > 0 else { return .failure(.noUnits) }
        guard units >= 2 else { return .failure(.tooFewUnits(required: 2, actual: units)) }
        let n = Double(units)
        switch kind {
        case .proportion:
            guard sum >= 0, sum <= n else {
                return .failure(.invalidInput("successes must lie between 0 and the unit count"))
            }
            let p = sum / n
            return .success(p * (1 - p))
        case .mean:
            return InputValidation.centredSquares(sum: sum, sumSquares: sumSquares, n: n, field: "sumSquares")
                .map { $0 / (n - 1) }
        }
    }

    /// Reduces to the sample mean and its variance s²/n, with Welch t inference.
    public func armEstimate() -> Result<ArmEstimate, DegenerateReason> {
        unitVariance().map { variance in
            let n = Double(units)
            return ArmEstimate(mean: sum / n, variance: variance / n, units: units, usesStudentT: true)
        }
    }
}
