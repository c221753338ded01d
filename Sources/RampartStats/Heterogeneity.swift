/// Whether an effect differs between segments: Cochran's Q over the segments' estimates, I², and for each
/// segment a test of its estimate against the pooled one (docs/statistics.md, "Segments").
///
/// With k segments' estimates θᵢ and standard errors sᵢ (independent: the segments partition the units), weights
/// wᵢ = 1/sᵢ², W = Σwᵢ and the inverse-variance pooled estimate θ̄ = Σwᵢθᵢ/W:
///
/// - Q = Σ wᵢ (θᵢ − θ̄)², chi-square with k − 1 degrees of freedom when the effect is the same everywhere
///   (Cochran 1954); p = P(χ²ₖ₋₁ ≥ Q) from GSL;
/// - I² = max(0, (Q − (k − 1)) / Q), the share of the variation between segments beyond chance (Higgins &
///   Thompson 2002);
/// - per segment, zᵢ = (θᵢ − θ̄) / √(sᵢ² − 1/W): Var(θᵢ − θ̄) = sᵢ² − 1/W because θ̄ contains θᵢ with weight wᵢ/W;
///   two-sided pᵢ = 2·Φ(−|zᵢ|), corrected across the segments (Holm by default), and the segment `differs`
///   when its corrected p-value is below α.
public struct HeterogeneityTest: Sendable, Hashable {
    /// The level of the per-segment deviation flags.
    public var alpha: Double
    /// The correction of the per-segment p-values across segments.
    public var correction: MultipleComparisons.Method

    public init(alpha: Double = 0.05, correction: MultipleComparisons.Method = .holm) {
        self.alpha = alpha
        self.correction = correction
    }

    /// Tests the segments' estimates.
    ///
    /// - Parameter segments: One estimate per segment (e.g. the relative effect of a treatment); segments with a
    ///   non-finite estimate or a standard error that is not positive and finite are left out, with a reason.
    public func evaluate(_ segments: [EffectEstimate]) -> HeterogeneityResult {
        guard alpha > 0, alpha < 1 else {
            return HeterogeneityResult(segments: segments.map { _ in .init(problem: .invalidSetting("alpha must be in (0, 1)")) }, problem: .invalidSetting("alpha must be in (0, 1), found \(alpha)"))
        }
        var deviations = segments.map { segment -> HeterogeneityResult.Deviation in
            if let problem = segment.problem { return .init(problem: problem) }
            guard let e = segment.estimate, let s = segment.standardError, e.isFinite, s.isFinite else {
                return .init(problem: .nonFiniteInput(field: "estimate"))
            }
            guard s > 0 else { return .init(problem: .zeroVariance) }
            return .init()
        }
        let valid = segments.indices.filter { deviations[$0].problem == nil }
        let estimates = segments.map { $0.estimate ?? .nan }
        let errors = segments.map { $0.standardError ?? .nan }
        guard valid.count >= 2 else {
            return HeterogeneityResult(segments: deviations, problem: .invalidInput("needs at least two segments with an estimate and a positive standard error, found \(valid.count)"))
        }
        let weights = valid.map { 1 / (errors[$0] * errors[$0]) }
        let total = weights.reduce(0, +)
        let pooled = zip(valid, weights).reduce(0) { $0 + $1.1 * estimates[$1.0] } / total
        let q = zip(valid, weights).reduce(0) { $0 + $1.1 * (estimates[$1.0] - pooled) * (estimates[$1.0] - pooled) }
        let dof = valid.count - 1
        guard let p = Distributions.chiSquaredUpperTail(q, dof: Double(dof)) else {
            return HeterogeneityResult(segments: deviations, problem: .numericalFailure("chi-square upper tail of \(q) with \(dof) degrees of freedom"))
        }
        var raw = [Double?](repeating: nil, count: segments.count)
        for i in valid {
            let variance = errors[i] * errors[i] - 1 / total
            guard variance > 0 else {
                deviations[i].problem = .zeroVariance
                continue
            }
            let z = (estimates[i] - pooled) / variance.squareRoot()
            deviations[i].z = z
            raw[i] = 2 * Distributions.normalUpperTail(abs(z))
            deviations[i].pValue = raw[i]
        }
        let adjusted = MultipleComparisons.adjust(raw, method: correction)
        for i in segments.indices {
            deviations[i].adjustedPValue = adjusted[i]
            deviations[i].differs = adjusted[i].map { $0 < alpha } ?? false
        }
        return HeterogeneityResult(
            q: q, degreesOfFreedom: dof, pValue: p, iSquared: q > 0 ? max(0, (q - Double(dof)) / q) : 0,
            pooled: pooled, pooledStandardError: (1 / total).squareRoot(), segments: deviations, problem: nil
        )
    }
}
