/// Sufficient statistics for CUPED: a post-exposure metric y and a pre-exposure covariate x per unit.
///
/// Compare two of these with ``EffectTest`` (or a guardrail) and the module fits one
/// regression slope θ = Σ_g Sₓᵧ,g / Σ_g Sₓₓ,g pooled within both variants (the slope of
/// the ANCOVA y ~ 1 + treatment + x), then compares the adjusted means
/// ȳ_g − θ·(x̄_g − x̄), where x̄ is the pre-exposure mean over both variants
/// (Deng, Xu, Kohavi & Walker 2013).
public struct RegressionAdjustedStatistics: Sendable, Hashable, ComparableStatistics {
    /// The number of randomisation units n.
    public var units: Int
    /// Σ yᵢ, the post-exposure metric.
    public var postSum: Double
    /// Σ yᵢ².
    public var postSumSquares: Double
    /// Σ xᵢ, the pre-exposure covariate (0 for units with no history).
    public var preSum: Double
    /// Σ xᵢ².
    public var preSumSquares: Double
    /// Σ xᵢ·yᵢ.
    public var crossSum: Double

    /// Creates CUPED statistics.
    /// - Parameters:
    ///   - units: The number of randomisation units n.
    ///   - postSum: Σ yᵢ.
    ///   - postSumSquares: Σ yᵢ².
    ///   - preSum: Σ xᵢ.
    ///   - preSumSquares: Σ xᵢ².
    ///   - crossSum: Σ xᵢ·yᵢ.
    public init(
        units: Int = 0,
        postSum: Double = 0,
        postSumSquares: Double = 0,
        preSum: Double = 0,
        preSumSquares: Double = 0,
        crossSum: Double = 0
    ) {
        self.units = units
        self.postSum = postSum
        self.postSumSquares = postSumSquares
        self.preSum = preSum
        self.preSumSquares = preSumSquares
        self.crossSum = crossSum
    }

    /// The post-exposure statistics alone, for an unadjusted comparison.
    public var unadjusted: SampleStatistics {
        SampleStatistics(units: units, sum: postSum, sumSquares: postSumSquares)
    }
}
