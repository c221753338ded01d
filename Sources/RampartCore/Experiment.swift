/// An experiment: who is eligible, how units split into variants, what each variant serves, and how it is judged.
///
/// Experiments are written as YAML in experiments/ (see docs/experiment-format.md) and loaded by RampartConfig.
public struct Experiment: Sendable, Hashable, Codable {
    /// The stable key; also the OFREP flag key.
    public var key: String
    public var name: String
    public var description: String
    public var owner: String
    public var hypothesis: String
    public var status: ExperimentStatus
    /// The attribute that identifies a unit: `user_id` (the default) or `session_id`.
    public var unit: String
    /// The hashing salt; defaults to the key.
    public var salt: String
    /// The randomization phase; a new phase reshuffles units.
    public var phase: Int
    public var variants: [Variant]
    /// The key of the control variant.
    public var control: String
    /// A GrowthBook-syntax condition on unit attributes; `nil` targets everyone.
    public var targeting: JSONValue?
    /// The share of eligible units enrolled, in [0, 1].
    public var coverage: Double
    /// An optional mutual-exclusion namespace.
    public var namespace: Namespace?
    /// The ordered ramp stages.
    public var ramp: [RampStep]
    public var metrics: [MetricDefinition]
    public var analysis: AnalysisSettings
    /// The shipped variant, when `status` is `shipped`.
    public var shippedVariant: String?

    public init(
        key: String,
        name: String? = nil,
        description: String = "",
        owner: String = "",
        hypothesis: String = "",
        status: ExperimentStatus = .draft,
        unit: String = "user_id",
        salt: String? = nil,
        phase: Int = 0,
        variants: [Variant],
        control: String? = nil,
        targeting: JSONValue? = nil,
        coverage: Double = 1,
        namespace: Namespace? = nil,
        ramp: [RampStep] = [],
        metrics: [MetricDefinition] = [],
        analysis: AnalysisSettings = AnalysisSettings(),
        shippedVariant: String? = nil
    ) {
        self.key = key
        self.name = name ?? key
        self.description = description
        self.owner = owner
        self.hypothesis = hypothesis
        self.status = status
        self.unit = unit
        self.salt = salt ?? key
        self.phase = phase
        self.variants = variants
        self.control = control ?? variants.first?.key ?? "control"
        self.targeting = targeting
        self.coverage = coverage
        self.namespace = namespace
        self.ramp = ramp
        self.metrics = metrics
        self.analysis = analysis
        self.shippedVariant = shippedVariant
    }

    enum CodingKeys: String, CodingKey {
        case key, name, description, owner, hypothesis, status, unit, salt, phase, variants, control, targeting
        case coverage, namespace, ramp, metrics, analysis
        case shippedVariant = "shipped_variant"
    }

    /// The seed that units are hashed with: the salt, followed by `:phase` when the phase is greater than 0.
    public var seed: String {
        phase > 0 ? "\(salt):\(phase)" : salt
    }

    /// The control variant, when the key names one.
    public var controlVariant: Variant? {
        variants.first { $0.key == control }
    }

    /// The metric with the given key.
    public func metric(_ key: String) -> MetricDefinition? {
        metrics.first { $0.key == key }
    }

    /// The primary metric, if one is defined.
    public var primaryMetric: MetricDefinition? {
        metrics.first { $0.role == .primary }
    }
}
