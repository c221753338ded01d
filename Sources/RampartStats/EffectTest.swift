/// Compares a treatment with its control: absolute and relative effects with intervals and p-values.
///
/// Fixed-horizon tests are Welch t-tests (GrowthBook gbstats); sequential tests use the
/// asymptotic confidence sequence of Waudby-Smith et al. with the variance of the same
/// estimator and t = n_control + n_treatment units.
public struct EffectTest: Sendable {
    /// The test settings.
    public var settings: TestSettings

    /// Creates a test.
    /// - Parameter settings: Alpha, sidedness and sequential mode.
    public init(settings: TestSettings = TestSettings()) {
        self.settings = settings
    }

    /// Compares two variants given their sufficient statistics.
    /// - Parameters:
    ///   - control: The control (baseline) statistics.
    ///   - treatment: The treatment statistics.
    /// - Returns: Absolute and relative effects; `problem` fields explain anything missing.
    public func compare<S: ComparableStatistics>(control: S, treatment: S) -> TestResult {
        switch S.armEstimates(control: control, treatment: treatment) {
        case .success(let pair):
            return compare(pair)
        case .failure(let reason):
            return TestResult(
                absolute: .degenerate(reason), relative: .degenerate(reason),
                settings: settings, problem: reason
            )
        }
    }

    /// Compares two arm estimates.
    /// - Parameter pair: The control and treatment estimates.
    public func compare(_ pair: ArmPair) -> TestResult {
        let dof = settings.sequential ? nil : Inference.welchDegreesOfFreedom(pair)
        let units = pair.control.units + pair.treatment.units
        let absolute = Inference.estimate(
            point: pair.treatment.mean - pair.control.mean,
            variance: pair.treatment.variance + pair.control.variance,
            dof: dof, units: units, settings: settings
        )
        let relative: EffectEstimate
        switch Inference.relative(pair) {
        case .success(let value):
            relative = Inference.estimate(point: value.point, variance: value.variance, dof: dof, units: units, settings: settings)
        case .failure(let reason):
            relative = .degenerate(reason)
        }
        return TestResult(
            absolute: absolute, relative: relative,
            control: pair.control, treatment: pair.treatment,
            degreesOfFreedom: dof, settings: settings
        )
    }
}
