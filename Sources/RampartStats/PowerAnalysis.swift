import Foundation

/// Power, minimum detectable effect, required units and days to a decision.
///
/// Fixed horizon: a two-sample normal test with common per-unit standard deviation σ,
/// matching statsmodels' `NormalIndPower` (the two-sided power includes the opposite
/// tail): power = Φ(z − c) + Φ(−z − c) with z = (δ/σ)·√(n_c·n_t/(n_c + n_t)) and
/// c = z₁₋α/₂. Sequential: the smallest total t at which δ/SE(t) = c_seq(t) + z_power,
/// i.e. where the always-valid interval at t excludes zero with the requested power.
public struct PowerAnalysis: Sendable {
    /// Significance level α.
    public var alpha: Double
    /// Target power 1 − β.
    public var power: Double
    /// `true` for a one-sided test (treatment better in the tested direction).
    public var oneSided: Bool
    /// Fraction of the experiment's daily traffic that goes to the control.
    public var controlShare: Double
    /// Fraction of the experiment's daily traffic that goes to the treatment.
    public var treatmentShare: Double
    /// The sequential tuning parameter n* (see ``TestSettings/sequentialTuning``).
    public var sequentialTuning: Double

    /// Creates a power analysis.
    /// - Parameters:
    ///   - alpha: Significance level, default 0.05.
    ///   - power: Target power, default 0.8.
    ///   - oneSided: One-sided test, default `false`.
    ///   - controlShare: Control's share of daily traffic, default 0.5.
    ///   - treatmentShare: Treatment's share of daily traffic, default 0.5.
    ///   - sequentialTuning: n* for the sequential plan, default 5,000.
    public init(
        alpha: Double = 0.05,
        power: Double = 0.8,
        oneSided: Bool = false,
        controlShare: Double = 0.5,
        treatmentShare: Double = 0.5,
        sequentialTuning: Double = 5_000
    ) {
        self.alpha = alpha
        self.power = power
        self.oneSided = oneSided
        self.controlShare = controlShare
        self.treatmentShare = treatmentShare
        self.sequentialTuning = sequentialTuning
    }

    var problem: DegenerateReason? {
        guard alpha.isFinite, alpha > 0, alpha < (oneSided ? 0.5 : 1) else { return .invalidSetting("alpha out of range") }
        guard power.isFinite, power > alpha, power < 1 else { return .invalidSetting("power must lie in (alpha, 1)") }
        guard controlShare.isFinite, treatmentShare.isFinite, controlShare > 0, treatmentShare > 0,
              controlShare + treatmentShare <= 1 + 1e-12 else {
            return .invalidSetting("shares must be positive and sum to at most 1")
        }
        guard sequentialTuning.isFinite, sequentialTuning > 0 else { return .invalidSetting("sequentialTuning must be positive") }
        return nil
    }

    private var criticalValue: Double? {
        Distributions.normalQuantile(1 - (oneSided ? alpha : alpha / 2))
    }

    /// Power as a function of the standardised statistic z = δ/SE.
    private func power(standardised z: Double, critical c: Double) -> Double {
        oneSided
            ? Distributions.normalUpperTail(c - z)
            : Distributions.normalUpperTail(c - z) + Distributions.normalCDF(-z - c)
    }

    /// The z = δ/SE at which the fixed-horizon test reaches the target power.
    func requiredStandardisedEffect() -> Result<Double, DegenerateReason> {
        if let problem { return .failure(problem) }
        guard let c = criticalValue else { return .failure(.numericalFailure("critical value")) }
        let target = power
        guard let z = RootFinder.brent(lower: 0, upper: 60, { self.power(standardised: $0, critical: c) - target }) else {
            return .failure(.numericalFailure("power root"))
        }
        return .success(z)
    }

    /// The power of a fixed-horizon test.
    /// - Parameters:
    ///   - effect: The true absolute effect δ.
    ///   - standardDeviation: The per-unit standard deviation σ.
    ///   - controlUnits: Units in control.
    ///   - treatmentUnits: Units in treatment.
    public func power(effect: Double, standardDeviation: Double, controlUnits: Double, treatmentUnits: Double) -> Result<Double, DegenerateReason> {
        if let problem { return .failure(problem) }
        guard effect.isFinite, standardDeviation.isFinite, controlUnits.isFinite, treatmentUnits.isFinite else {
            return .failure(.nonFiniteInput(field: "power inputs"))
        }
        guard standardDeviation > 0 else { return .failure(.zeroVariance) }
        guard controlUnits > 0, treatmentUnits > 0 else { return .failure(.noUnits) }
        guard let c = criticalValue else { return .failure(.numericalFailure("critical value")) }
        let se = standardDeviation * (1 / controlUnits + 1 / treatmentUnits).squareRoot()
        return .success(power(standardised: abs(effect) / se, critical: c))
    }

    /// Units needed for the fixed-horizon test to detect `effect` with the target power.
    /// - Parameters:
    ///   - effect: The absolute effect δ to detect (its sign is ignored).
    ///   - standardDeviation: The per-unit standard deviation σ.
    public func requiredUnits(effect: Double, standardDeviation: Double) -> Result<RequiredUnits, DegenerateReason> {
        guard effect.isFinite, standardDeviation.isFinite else { return .failure(.nonFiniteInput(field: "effect or standardDeviation")) }
        guard standardDeviation > 0 else { return .failure(.zeroVariance) }
        guard effect != 0 else { return .failure(.invalidInput("effect must be non-zero")) }
        return requiredStandardisedEffect().map { z in
            let ratio = treatmentShare / controlShare
            let effective = pow(z * standardDeviation / abs(effect), 2)
            let control = effective * (1 + ratio) / ratio
            return RequiredUnits(control: control, treatment: control * ratio)
        }
    }

    /// The smallest absolute effect the fixed-horizon test detects with the target power.
    /// - Parameters:
    ///   - standardDeviation: The per-unit standard deviation σ.
    ///   - controlUnits: Units in control.
    ///   - treatmentUnits: Units in treatment.
    public func minimumDetectableEffect(standardDeviation: Double, controlUnits: Double, treatmentUnits: Double) -> Result<Double, DegenerateReason> {
        guard standardDeviation.isFinite, controlUnits.isFinite, treatmentUnits.isFinite else {
            return .failure(.nonFiniteInput(field: "standardDeviation or units"))
        }
        guard standardDeviation > 0 else { return .failure(.zeroVariance) }
        guard controlUnits > 0, treatmentUnits > 0 else { return .failure(.noUnits) }
        return requiredStandardisedEffect().map { z in
            z * standardDeviation * (1 / controlUnits + 1 / treatmentUnits).squareRoot()
        }
    }

    /// Total units (control + treatment) at which the sequential test detects `effect`
    /// with the target power at that look. Earlier looks only add power, so this is conservative.
    /// - Parameters:
    ///   - effect: The absolute effect δ to detect.
    ///   - standardDeviation: The per-unit standard deviation σ.
    public func sequentialUnits(effect: Double, standardDeviation: Double) -> Result<Double, DegenerateReason> {
        if let problem { return .failure(problem) }
        guard effect.isFinite, standardDeviation.isFinite else { return .failure(.nonFiniteInput(field: "effect or standardDeviation")) }
        guard standardDeviation > 0 else { return .failure(.zeroVariance) }
        guard effect != 0 else { return .failure(.invalidInput("effect must be non-zero")) }
        let shareSum = controlShare + treatmentShare
        let cs = controlShare / shareSum, ts = treatmentShare / shareSum
        return sequentialUnits(effect: effect, standardErrorScale: standardDeviation * (1 / cs + 1 / ts).squareRoot())
    }

    /// A plan for a relative effect on a baseline: units and days for both test modes.
    /// - Parameters:
    ///   - baselineMean: The control mean (for a proportion, its rate).
    ///   - standardDeviation: The per-unit standard deviation (√(p(1 − p)) for a proportion).
    ///   - relativeEffect: The relative change to detect, e.g. 0.05 for +5 %.
    ///   - dailyUnits: New units entering the whole experiment per day.
    public func plan(baselineMean: Double, standardDeviation: Double, relativeEffect: Double, dailyUnits: Double) -> Result<PowerPlan, DegenerateReason> {
        guard dailyUnits.isFinite, dailyUnits > 0 else { return .failure(.invalidInput("dailyUnits must be positive")) }
        guard baselineMean.isFinite, relativeEffect.isFinite else { return .failure(.nonFiniteInput(field: "baselineMean or relativeEffect")) }
        guard baselineMean != 0 else { return .failure(.zeroControlMean) }
        let effect = baselineMean * relativeEffect
        return requiredUnits(effect: effect, standardDeviation: standardDeviation).flatMap { fixed in
            sequentialUnits(effect: effect, standardDeviation: standardDeviation).map { sequential in
                let perDay = dailyUnits * (controlShare + treatmentShare)
                return PowerPlan(
                    absoluteEffect: effect,
                    fixedHorizonUnits: fixed,
                    fixedHorizonDays: fixed.total / perDay,
                    sequentialUnits: sequential,
                    sequentialDays: sequential / perDay
                )
            }
        }
    }
}
