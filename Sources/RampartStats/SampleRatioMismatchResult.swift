/// The result of a ``SampleRatioMismatch`` check.
public struct SampleRatioMismatchResult: Sendable, Hashable {
    /// The chi-square statistic Σ (observed − expected)² / expected.
    public var chiSquare: Double?
    /// Degrees of freedom: the number of variants with positive weight, minus one.
    public var degreesOfFreedom: Int?
    /// The goodness-of-fit p-value.
    public var pValue: Double?
    /// Expected units per variant (0 for variants with zero weight).
    public var expected: [Double]
    /// `true` when the p-value is below the threshold: assignment is broken and results
    /// should not be trusted.
    public var isMismatch: Bool
    /// The threshold used.
    public var threshold: Double
    /// Why the check could not be run.
    public var problem: DegenerateReason?

    /// Creates a result.
    public init(
        chiSquare: Double? = nil,
        degreesOfFreedom: Int? = nil,
        pValue: Double? = nil,
        expected: [Double] = [],
        isMismatch: Bool = false,
        threshold: Double = 0.001,
        problem: DegenerateReason? = nil
    ) {
        self.chiSquare = chiSquare
        self.degreesOfFreedom = degreesOfFreedom
        self.pValue = pValue
        self.expected = expected
        self.isMismatch = isMismatch
        self.threshold = threshold
        self.problem = problem
    }
}
