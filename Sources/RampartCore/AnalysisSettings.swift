/// How an experiment's results are tested.
public struct AnalysisSettings: Sendable, Hashable, Codable {
    /// The significance level of two-sided tests, and of each side of one-sided guardrail tests.
    public var alpha: Double
    /// Whether verdicts use always-valid sequential confidence sequences (safe under daily peeking).
    public var sequential: Bool
    /// The total number of units (all variants together) at which the confidence sequence is tightest: its tuning
    /// parameter n* (docs/statistics.md).
    public var sequentialTuning: Double
    /// The p-value below which a sample ratio mismatch is declared.
    public var srmThreshold: Double

    public init(alpha: Double = 0.05, sequential: Bool = true, sequentialTuning: Double = 5_000, srmThreshold: Double = 0.001) {
        self.alpha = alpha
        self.sequential = sequential
        self.sequentialTuning = sequentialTuning
        self.srmThreshold = srmThreshold
    }

    enum CodingKeys: String, CodingKey {
        case alpha, sequential
        case sequentialTuning = "sequential_tuning"
        case srmThreshold = "srm_threshold"
    }
}
