/// The comparison of one metric between a treatment and its control.
public struct TestResult: Sendable, Hashable {
    /// Treatment − control.
    public var absolute: EffectEstimate
    /// Treatment / control − 1, with delta-method variance.
    public var relative: EffectEstimate
    /// The control estimate (nil when it could not be formed; see ``problem``).
    public var control: ArmEstimate?
    /// The treatment estimate.
    public var treatment: ArmEstimate?
    /// Welch–Satterthwaite degrees of freedom, or `nil` for normal inference
    /// (sequential tests, quantiles).
    public var degreesOfFreedom: Double?
    /// The settings the result was computed with.
    public var settings: TestSettings
    /// Why the arms could not be estimated at all.
    public var problem: DegenerateReason?

    /// Creates a result.
    public init(
        absolute: EffectEstimate,
        relative: EffectEstimate,
        control: ArmEstimate? = nil,
        treatment: ArmEstimate? = nil,
        degreesOfFreedom: Double? = nil,
        settings: TestSettings = TestSettings(),
        problem: DegenerateReason? = nil
    ) {
        self.absolute = absolute
        self.relative = relative
        self.control = control
        self.treatment = treatment
        self.degreesOfFreedom = degreesOfFreedom
        self.settings = settings
        self.problem = problem
    }

    /// Whether the absolute effect is significant at the settings' alpha.
    public var isSignificant: Bool {
        guard let p = absolute.pValue else { return false }
        return p < settings.alpha
    }
}
