/// Sufficient statistics of a ratio metric in one variant, such as cost per resolved task.
///
/// The metric is Σ numerator / Σ denominator over all randomisation units of the variant;
/// the unit is what was randomised (a user or a session), while the numerator and
/// denominator may aggregate many events per unit. Because both sums are random, the
/// variance comes from the delta method with the covariance term (Deng et al. 2018):
///
///     Var(X̄/Ȳ) ≈ (1/n)·(σ²ₓ/μ²ᵧ − 2·μₓ·σₓᵧ/μ³ᵧ + μ²ₓ·σ²ᵧ/μ⁴ᵧ)
public struct RatioStatistics: Sendable, Hashable, MetricStatistics, ComparableStatistics {
    /// The number of randomisation units n.
    public var units: Int
    /// Σ xᵢ, the numerator summed per unit then over units.
    public var numeratorSum: Double
    /// Σ xᵢ².
    public var numeratorSumSquares: Double
    /// Σ yᵢ, the denominator.
    public var denominatorSum: Double
    /// Σ yᵢ².
    public var denominatorSumSquares: Double
    /// Σ xᵢ·yᵢ.
    public var crossSum: Double

    /// Creates ratio statistics.
    /// - Parameters:
    ///   - units: The number of randomisation units n.
    ///   - numeratorSum: Σ xᵢ.
    ///   - numeratorSumSquares: Σ xᵢ².
    ///   - denominatorSum: Σ yᵢ.
    ///   - denominatorSumSquares: Σ yᵢ².
    ///   - crossSum: Σ xᵢ·yᵢ.
    public init(
        units: Int = 0,
        numeratorSum: Double = 0,
        numeratorSumSquares: Double = 0,
        denominatorSum: Double = 0,
        denominatorSumSquares: Double = 0,
        crossSum: Double = 0
    ) {
        self.units = units
        self.numeratorSum = numeratorSum
        self.numeratorSumSquares = numeratorSumSquares
        self.denominatorSum = denominatorSum
        self.denominatorSumSquares = denominatorSumSquares
        self.crossSum = crossSum
    }

    /// The ratio Σx / Σy, or `nil` when the denominator is zero.
    public var ratio: Double? {
        denominatorSum != 0 ? numeratorSum / denominatorSum : nil
    }

    /// Reduces to the ratio and its delta-method variance, with Welch t inference.
    ///
    /// The per-unit variance uses n − 1 denominators, so it equals the sample variance of
    /// the linearised values (xᵢ − r·yᵢ)/ȳ.
    public func armEstimate() -> Result<ArmEstimate, DegenerateReason> {
        if let problem = InputValidation.finite([
            "numeratorSum": numeratorSum, "numeratorSumSquares": numeratorSumSquares,
            "denominatorSum": denominatorSum, "denominatorSumSquares": denominatorSumSquares,
            "crossSum": crossSum,
        ]) {
            return .failure(problem)
        }
        guard units >= 0 else { return .failure(.invalidInput("negative unit count")) }
        guard units > 0 else { return .failure(.noUnits) }
        guard units >= 2 else { return .failure(.tooFewUnits(required: 2, actual: units)) }
        guard denominatorSum != 0 else { return .failure(.zeroDenominator) }
        let n = Double(units)
        let sxx: Double
        let syy: Double
        switch InputValidation.centredSquares(sum: numeratorSum, sumSquares: numeratorSumSquares, n: n, field: "numeratorSumSquares") {
        case .success(let value): sxx = value
        case .failure(let problem): return .failure(problem)
        }
        switch InputValidation.centredSquares(sum: denominatorSum, sumSquares: denominatorSumSquares, n: n, field: "denominatorSumSquares") {
        case .success(let value): syy = value
        case .failure(let problem): return .failure(problem)
        }
        let sxy = InputValidation.centredCross(sumX: numeratorSum, sumY: denominatorSum, crossSum: crossSum, n: n)
        let ratio = numeratorSum / denominatorSum
        let meanDenominator = denominatorSum / n
        let linearised = (sxx - 2 * ratio * sxy + ratio * ratio * syy) / (n - 1)
        let unitVariance = max(linearised, 0) / (meanDenominator * meanDenominator)
        guard unitVariance.isFinite else { return .failure(.numericalFailure("ratio variance overflowed")) }
        return .success(ArmEstimate(mean: ratio, variance: unitVariance / n, units: units, usesStudentT: true))
    }
}
