/// The result of a ``HeterogeneityTest``: `nil` numbers come with a `problem`.
public struct HeterogeneityResult: Sendable, Hashable {
    /// One segment's deviation from the pooled estimate.
    public struct Deviation: Sendable, Hashable {
        /// (θᵢ − θ̄) / √(sᵢ² − 1/W).
        public var z: Double?
        /// The two-sided p-value of `z`.
        public var pValue: Double?
        /// `pValue` corrected across the segments.
        public var adjustedPValue: Double?
        /// Whether the corrected p-value is below α: the segment's effect differs from the pooled effect beyond chance.
        public var differs: Bool
        /// Why the segment was left out.
        public var problem: DegenerateReason?

        public init(z: Double? = nil, pValue: Double? = nil, adjustedPValue: Double? = nil, differs: Bool = false, problem: DegenerateReason? = nil) {
            self.z = z
            self.pValue = pValue
            self.adjustedPValue = adjustedPValue
            self.differs = differs
            self.problem = problem
        }
    }

    /// Cochran's Q.
    public var q: Double?
    /// k − 1, k the segments with an estimate.
    public var degreesOfFreedom: Int?
    /// P(χ²ₖ₋₁ ≥ Q).
    public var pValue: Double?
    /// I² = max(0, (Q − df)/Q), in [0, 1).
    public var iSquared: Double?
    /// The inverse-variance pooled estimate θ̄.
    public var pooled: Double?
    /// Its standard error 1/√W.
    public var pooledStandardError: Double?
    /// Per input segment, in input order.
    public var segments: [Deviation]
    /// Why Q could not be computed.
    public var problem: DegenerateReason?

    public init(
        q: Double? = nil, degreesOfFreedom: Int? = nil, pValue: Double? = nil, iSquared: Double? = nil,
        pooled: Double? = nil, pooledStandardError: Double? = nil, segments: [Deviation], problem: DegenerateReason?
    ) {
        self.q = q
        self.degreesOfFreedom = degreesOfFreedom
        self.pValue = pValue
        self.iSquared = iSquared
        self.pooled = pooled
        self.pooledStandardError = pooledStandardError
        self.segments = segments
        self.problem = problem
    }
}
