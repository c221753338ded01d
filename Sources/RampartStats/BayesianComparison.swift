/// Probability of beating control and expected loss under a normal approximation with a
/// flat prior: the effect Δ has posterior N(Δ̂, SE²).
///
/// With g = Δ for higher-is-better metrics and g = −Δ otherwise (so g > 0 is good):
/// chance to beat control = Φ(ĝ/SE); expected loss of shipping = E[max(0, −g)] =
/// SE·φ(ĝ/SE) − ĝ·Φ(−ĝ/SE); expected loss of keeping control = E[max(0, g)] =
/// SE·φ(ĝ/SE) + ĝ·Φ(ĝ/SE).
public struct BayesianComparison: Sendable {
    /// The metric's good direction.
    public var direction: MetricDirection
    /// `true` to work on the relative effect (default), `false` for the absolute one.
    public var relative: Bool

    /// Creates a comparison.
    /// - Parameters:
    ///   - direction: Whether higher values are good (default) or lower ones.
    ///   - relative: Relative (default) or absolute scale.
    public init(direction: MetricDirection = .higherIsBetter, relative: Bool = true) {
        self.direction = direction
        self.relative = relative
    }

    /// Compares sufficient statistics.
    public func compare<S: ComparableStatistics>(control: S, treatment: S) -> BayesianResult {
        switch S.armEstimates(control: control, treatment: treatment) {
        case .success(let pair): compare(pair)
        case .failure(let reason): BayesianResult(relative: relative, problem: reason)
        }
    }

    /// Compares arm estimates.
    public func compare(_ pair: ArmPair) -> BayesianResult {
        let mean: Double, variance: Double
        if relative {
            switch Inference.relative(pair) {
            case .success(let value): (mean, variance) = (value.point, value.variance)
            case .failure(let reason): return BayesianResult(relative: relative, problem: reason)
            }
        } else {
            mean = pair.treatment.mean - pair.control.mean
            variance = pair.treatment.variance + pair.control.variance
        }
        guard mean.isFinite, variance.isFinite else {
            return BayesianResult(relative: relative, problem: .numericalFailure("effect is not finite"))
        }
        guard variance > 0 else {
            return BayesianResult(posteriorMean: mean, relative: relative, problem: .zeroVariance)
        }
        let sd = variance.squareRoot()
        let gain = direction == .higherIsBetter ? mean : -mean
        let z = gain / sd
        let density = Distributions.normalPDF(z)
        return BayesianResult(
            chanceToBeatControl: Distributions.normalCDF(z),
            expectedLossTreatment: max(0, sd * density - gain * Distributions.normalCDF(-z)),
            expectedLossControl: max(0, sd * density + gain * Distributions.normalCDF(z)),
            posteriorMean: mean,
            posteriorStandardDeviation: sd,
            relative: relative
        )
    }
}
