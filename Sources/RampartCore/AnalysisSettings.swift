/// How an experiment's results are tested.
public struct AnalysisSettings: Sendable, Hashable, Codable {
    /// The default of ``advanceRisk``, chosen by simulation (docs/rollouts.md, "Guardrails at risk").
    public static let defaultAdvanceRisk = 0.5
    /// The default of ``servedMismatchThreshold`` (docs/rollouts.md, "Served vs. ran").
    public static let defaultServedMismatchThreshold = 0.01

    /// The significance level of two-sided tests, and of each side of one-sided guardrail tests.
    public var alpha: Double
    /// Whether verdicts use always-valid sequential confidence sequences (safe under daily peeking).
    public var sequential: Bool
    /// The total number of units (all variants together) at which the confidence sequence is tightest: its tuning
    /// parameter n* (docs/statistics.md).
    public var sequentialTuning: Double
    /// The always-valid design of the sequential tests: α-spending over calendar time (``SequentialDesign/default``)
    /// or the normal mixture.
    public var sequentialMethod: SequentialDesign
    /// The p-value below which a sample ratio mismatch is declared.
    public var srmThreshold: Double
    /// The largest probability that a guardrail is beyond its threshold (margin or ceiling) at which the verdict may
    /// still advance or ship; above it the verdict holds with `guardrail_at_risk`. In (0, 1).
    public var advanceRisk: Double
    /// The largest share of a variant's LLM events whose `prompt_version_id` or `model` differs from the variant's
    /// payload at which the verdict may still move; above it the verdict holds with `data_quality`. In [0, 1).
    public var servedMismatchThreshold: Double
    /// A link to a trace, `{trace_id}` standing for the trace id (e.g. `https://traces.example.com/trace/{trace_id}`);
    /// metric examples carry it filled in.
    public var traceURL: String?
    /// Attributes of the evaluation context recorded with each exposure, by which results can be read per segment
    /// (``SegmentAttributes``); none by default.
    public var segments: [String] = []
    /// Units per variant below which a segment shows "too few units" instead of an effect.
    public var segmentMinimumUnits: Int = SegmentAttributes.defaultMinimumUnits

    public init(
        alpha: Double = 0.05, sequential: Bool = true, sequentialTuning: Double = 5_000, srmThreshold: Double = 0.001,
        advanceRisk: Double = AnalysisSettings.defaultAdvanceRisk, sequentialMethod: SequentialDesign = .default,
        servedMismatchThreshold: Double = AnalysisSettings.defaultServedMismatchThreshold, traceURL: String? = nil,
        segments: [String] = [], segmentMinimumUnits: Int = SegmentAttributes.defaultMinimumUnits
    ) {
        self.segments = segments
        self.segmentMinimumUnits = segmentMinimumUnits
        self.servedMismatchThreshold = servedMismatchThreshold
        self.traceURL = traceURL
        self.sequentialMethod = sequentialMethod
        self.alpha = alpha
        self.sequential = sequential
        self.sequentialTuning = sequentialTuning
        self.srmThreshold = srmThreshold
        self.advanceRisk = advanceRisk
    }

    enum CodingKeys: String, CodingKey {
        case alpha, sequential
        case sequentialTuning = "sequential_tuning"
        case srmThreshold = "srm_threshold"
        case advanceRisk = "advance_risk"
        case sequentialMethod = "sequential_method"
        case servedMismatchThreshold = "served_mismatch_threshold"
        case traceURL = "trace_url"
        case segments
        case segmentMinimumUnits = "segment_min_units"
    }

    /// Decodes the settings; `advance_risk` and `sequential_method` may be absent (definitions stored before they
    /// existed get the defaults, and the mixture, which was the only design then: a stored run keeps its design).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            alpha: try c.decode(Double.self, forKey: .alpha),
            sequential: try c.decode(Bool.self, forKey: .sequential),
            sequentialTuning: try c.decode(Double.self, forKey: .sequentialTuning),
            srmThreshold: try c.decode(Double.self, forKey: .srmThreshold),
            advanceRisk: try c.decodeIfPresent(Double.self, forKey: .advanceRisk) ?? AnalysisSettings.defaultAdvanceRisk,
            sequentialMethod: try c.decodeIfPresent(SequentialDesign.self, forKey: .sequentialMethod) ?? .mixture,
            servedMismatchThreshold: try c.decodeIfPresent(Double.self, forKey: .servedMismatchThreshold) ?? AnalysisSettings.defaultServedMismatchThreshold,
            traceURL: try c.decodeIfPresent(String.self, forKey: .traceURL)
        )
        segments = try c.decodeIfPresent([String].self, forKey: .segments) ?? []
        segmentMinimumUnits = try c.decodeIfPresent(Int.self, forKey: .segmentMinimumUnits) ?? SegmentAttributes.defaultMinimumUnits
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(alpha, forKey: .alpha)
        try c.encode(sequential, forKey: .sequential)
        try c.encode(sequentialTuning, forKey: .sequentialTuning)
        try c.encode(srmThreshold, forKey: .srmThreshold)
        try c.encode(advanceRisk, forKey: .advanceRisk)
        try c.encode(sequentialMethod, forKey: .sequentialMethod)
        try c.encode(servedMismatchThreshold, forKey: .servedMismatchThreshold)
        try c.encodeIfPresent(traceURL, forKey: .traceURL)
        if !segments.isEmpty { try c.encode(segments, forKey: .segments) }
        if segmentMinimumUnits != SegmentAttributes.defaultMinimumUnits { try c.encode(segmentMinimumUnits, forKey: .segmentMinimumUnits) }
    }
}
