/// Sample ratio mismatch: a chi-square goodness-of-fit test of observed units per variant
/// against the configured traffic weights.
///
/// Variants with zero weight are left out entirely (they add no degree of freedom),
/// as in GrowthBook; weights are normalised over the remaining variants.
public struct SampleRatioMismatch: Sendable {
    /// The p-value below which a mismatch is declared (default 0.001).
    public var threshold: Double

    /// Creates a check.
    /// - Parameter threshold: The p-value threshold, default 0.001.
    public init(threshold: Double = 0.001) {
        self.threshold = threshold
    }

    /// Tests observed counts against weights.
    /// - Parameters:
    ///   - counts: Units observed per variant.
    ///   - weights: Configured traffic weights per variant (any positive scale).
    public func test(counts: [Int], weights: [Double]) -> SampleRatioMismatchResult {
        func failed(_ reason: DegenerateReason) -> SampleRatioMismatchResult {
            SampleRatioMismatchResult(threshold: threshold, problem: reason)
        }
        guard threshold.isFinite, threshold > 0, threshold < 1 else {
            return failed(.invalidSetting("threshold must lie in (0, 1)"))
        }
        guard counts.count == weights.count else {
            return failed(.invalidInput("counts and weights differ in length"))
        }
        guard weights.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            return failed(.invalidInput("weights must be finite and non-negative"))
        }
        guard counts.allSatisfy({ $0 >= 0 }) else { return failed(.invalidInput("negative count")) }
        let active = weights.indices.filter { weights[$0] > 0 }
        guard active.count >= 2 else {
            return failed(.invalidInput("at least two variants need a positive weight"))
        }
        let total = active.reduce(0.0) { $0 + Double(counts[$1]) }
        guard total > 0 else { return failed(.noUnits) }
        let weightSum = active.reduce(0.0) { $0 + weights[$1] }
        var expected = [Double](repeating: 0, count: counts.count)
        var chiSquare = 0.0
        for index in active {
            let e = total * weights[index] / weightSum
            expected[index] = e
            let d = Double(counts[index]) - e
            chiSquare += d * d / e
        }
        let dof = active.count - 1
        guard let p = Distributions.chiSquaredUpperTail(chiSquare, dof: Double(dof)) else {
            return failed(.numericalFailure("chi-square tail"))
        }
        return SampleRatioMismatchResult(
            chiSquare: chiSquare, degreesOfFreedom: dof, pValue: p, expected: expected,
            isMismatch: p < threshold, threshold: threshold
        )
    }
}
