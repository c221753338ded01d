import RampartCore
import RampartStats
import RampartStore

/// One variant's statistics for one metric, in the form the stats engine compares.
enum ArmStatistics {
    case sample(SampleStatistics)
    case ratio(RatioStatistics)
    case quantile(RampartStats.QuantileStatistics, Histogram?)
    /// A mean or proportion with its pre-exposure covariate (CUPED).
    case adjusted(RegressionAdjustedStatistics)

    /// The same statistics without the covariate: what a plain comparison reads.
    var unadjusted: ArmStatistics {
        if case .adjusted(let r) = self { return .sample(r.unadjusted) }
        return self
    }

    /// The variant's value: the proportion, mean, ratio or quantile estimate.
    var value: Double? {
        switch self {
        case .sample(let s): return s.mean
        case .ratio(let r): return r.ratio
        case .quantile(let q, _): return q.units > 0 && q.estimate.isFinite ? q.estimate : nil
        case .adjusted(let r): return r.unadjusted.mean
        }
    }

    var units: Int {
        switch self {
        case .sample(let s): return s.units
        case .ratio(let r): return r.units
        case .quantile(let q, _): return q.units
        case .adjusted(let r): return r.units
        }
    }

    /// Compares a treatment with its control; `nil` when the kinds differ (never, for one metric).
    func compare(treatment: ArmStatistics, test: EffectTest) -> Result<TestResult, DegenerateReason> {
        switch (self, treatment) {
        case (.sample(let c), .sample(let t)):
            return .success(test.compare(control: c, treatment: t))
        case (.ratio(let c), .ratio(let t)):
            return .success(test.compare(control: c, treatment: t))
        case (.adjusted(let c), .adjusted(let t)):
            return .success(test.compare(control: c, treatment: t))
        case (.quantile(let c, let ch), .quantile(let t, let th)):
            guard let ch, let th else { return .failure(.emptyDistribution) }
            return c.interval(settings: test.settings, distribution: ch).flatMap { qc in
                t.interval(settings: test.settings, distribution: th).map { qt in
                    test.compare(control: qc, treatment: qt)
                }
            }
        default:
            return .failure(.invalidInput("control and treatment statistics differ in kind"))
        }
    }

    /// Tests the treatment's own value against a ceiling.
    func ceiling(_ test: CeilingTest) -> CeilingResult {
        switch self {
        case .sample(let s): return test.evaluate(s)
        case .ratio(let r): return test.evaluate(r)
        case .adjusted(let r): return test.evaluate(r.unadjusted)
        case .quantile(let q, let h):
            guard let h else { return test.evaluate(ArmEstimate(mean: .nan, variance: .nan, units: q.units)) }
            return test.evaluate(q, distribution: h)
        }
    }

    /// Tests the treatment against control with a non-inferiority margin.
    func guardrail(treatment: ArmStatistics, test: GuardrailTest) -> Result<GuardrailResult, DegenerateReason> {
        switch (self, treatment) {
        case (.sample(let c), .sample(let t)):
            return .success(test.evaluate(control: c, treatment: t))
        case (.ratio(let c), .ratio(let t)):
            return .success(test.evaluate(control: c, treatment: t))
        case (.adjusted(let c), .adjusted(let t)):
            return .success(test.evaluate(control: c, treatment: t))
        case (.quantile(let c, let ch), .quantile(let t, let th)):
            guard let ch, let th else { return .failure(.emptyDistribution) }
            return c.interval(settings: test.settings, distribution: ch).flatMap { qc in
                t.interval(settings: test.settings, distribution: th).map { qt in
                    test.evaluate(control: qc, treatment: qt)
                }
            }
        default:
            return .failure(.invalidInput("control and treatment statistics differ in kind"))
        }
    }
}
