/// A one-sided non-inferiority test with a margin, run as two one-sided tests.
///
/// With h the harm (Δ for a lower-is-better metric, −Δ otherwise) and m the margin,
/// the test reports `.nonInferior` when the upper one-sided bound of h is below m, and
/// `.regression` when the lower one-sided bound of h is above m. Each bound has level
/// 1 − α; in sequential mode each is a one-sided always-valid confidence sequence, so
/// the decision may be read after every daily look.
///
/// The result also carries the probability that the true effect is beyond the margin,
/// Φ(±z) with z = (Δ̂ − boundary)/SE: the flat-prior normal posterior of ``BayesianComparison``
/// applied to the same estimate and standard error.
public struct GuardrailTest: Sendable {
    /// The tolerated worsening.
    public var margin: Margin
    /// The metric's good direction.
    public var direction: MetricDirection
    /// Alpha, sequential mode and tuning. The `alternative` is ignored: the test is one-sided by construction.
    public var settings: TestSettings

    /// Creates a guardrail test.
    /// - Parameters:
    ///   - margin: Relative or absolute tolerance (non-negative).
    ///   - direction: Whether higher or lower values are good.
    ///   - settings: Defaults to a sequential test at α = 0.05.
    public init(margin: Margin, direction: MetricDirection, settings: TestSettings = TestSettings(sequential: true)) {
        self.margin = margin
        self.direction = direction
        self.settings = settings
    }

    /// Evaluates the guardrail on sufficient statistics.
    /// - Parameters:
    ///   - control: The control statistics.
    ///   - treatment: The treatment statistics.
    public func evaluate<S: ComparableStatistics>(control: S, treatment: S) -> GuardrailResult {
        switch S.armEstimates(control: control, treatment: treatment) {
        case .success(let pair): evaluate(pair)
        case .failure(let reason): inconclusive(reason)
        }
    }

    /// Evaluates the guardrail on arm estimates.
    /// - Parameter pair: The control and treatment estimates.
    public func evaluate(_ pair: ArmPair) -> GuardrailResult {
        var oneSided = settings
        oneSided.alternative = .treatmentGreater
        if let problem = oneSided.problem { return inconclusive(problem) }
        guard margin.value.isFinite, margin.value >= 0 else {
            return inconclusive(.invalidSetting("margin must be a non-negative number"))
        }
        let point: Double, variance: Double
        switch margin {
        case .absolute:
            point = pair.treatment.mean - pair.control.mean
            variance = pair.treatment.variance + pair.control.variance
        case .relative:
            switch Inference.relative(pair) {
            case .success(let value): (point, variance) = (value.point, value.variance)
            case .failure(let reason): return inconclusive(reason)
            }
        }
        guard point.isFinite, variance.isFinite else { return inconclusive(.numericalFailure("effect is not finite")) }
        guard variance > 0 else { return inconclusive(.zeroVariance, estimate: point) }
        let dof = settings.sequential ? nil : Inference.welchDegreesOfFreedom(pair)
        let units = pair.control.units + pair.treatment.units
        guard let k = Inference.multiplier(settings: oneSided, dof: dof, units: units, oneSided: true) else {
            return inconclusive(.numericalFailure("critical value"), estimate: point)
        }
        let se = variance.squareRoot()
        let lower = point - k * se, upper = point + k * se
        // The boundary in Δ-space: +m for lower-is-better, −m for higher-is-better.
        let boundary = direction == .lowerIsBetter ? margin.value : -margin.value
        let z = (point - boundary) / se
        let pGreater = Inference.pValue(z: z, settings: oneSided, dof: dof, units: units, oneSidedGreater: true)
        let pLess = Inference.pValue(z: z, settings: oneSided, dof: dof, units: units, oneSidedGreater: false)
        let decision: GuardrailDecision
        switch direction {
        case .lowerIsBetter:
            decision = upper < boundary ? .nonInferior : (lower > boundary ? .regression : .inconclusive)
        case .higherIsBetter:
            decision = lower > boundary ? .nonInferior : (upper < boundary ? .regression : .inconclusive)
        }
        return GuardrailResult(
            decision: decision,
            effect: EffectEstimate(estimate: point, lower: lower, upper: upper, standardError: se),
            margin: margin,
            direction: direction,
            pValueNonInferior: direction == .lowerIsBetter ? pLess : pGreater,
            pValueRegression: direction == .lowerIsBetter ? pGreater : pLess,
            probabilityBeyondMargin: Distributions.normalCDF(direction == .lowerIsBetter ? z : -z)
        )
    }

    private func inconclusive(_ reason: DegenerateReason, estimate: Double? = nil) -> GuardrailResult {
        GuardrailResult(
            decision: .inconclusive, effect: .degenerate(reason, estimate: estimate),
            margin: margin, direction: direction, problem: reason
        )
    }
}
