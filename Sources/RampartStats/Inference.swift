/// Intervals and p-values for an estimate with known variance: the shared core of all tests.
enum Inference {
    /// Welch–Satterthwaite degrees of freedom for the difference of two arm means, or `nil`
    /// when either arm uses normal inference (or both variances are zero).
    ///
    /// ν = (v_c + v_t)² / (v_c²/(n_c − 1) + v_t²/(n_t − 1)), with v the estimator variances.
    static func welchDegreesOfFreedom(_ pair: ArmPair) -> Double? {
        guard pair.control.usesStudentT, pair.treatment.usesStudentT,
              pair.control.units > 1, pair.treatment.units > 1 else { return nil }
        let vc = pair.control.variance, vt = pair.treatment.variance
        let denominator = vc * vc / Double(pair.control.units - 1) + vt * vt / Double(pair.treatment.units - 1)
        guard denominator > 0 else { return nil }
        let dof = (vc + vt) * (vc + vt) / denominator
        return dof.isFinite ? dof : nil
    }

    /// The multiplier k such that estimate ± k·SE (or one side of it) has the settings' coverage.
    ///
    /// - Parameters:
    ///   - settings: Alpha, sidedness and sequential mode.
    ///   - dof: Degrees of freedom for Student t, `nil` for normal (ignored when sequential).
    ///   - units: Units behind the estimate (the sequential "time").
    ///   - oneSided: Forces a one-sided multiplier regardless of `settings.alternative`.
    static func multiplier(settings: TestSettings, dof: Double?, units: Int, oneSided: Bool) -> Double? {
        if settings.sequential {
            let t = Double(units)
            guard t > 0 else { return nil }
            if case .alphaSpending(let plan) = settings.sequentialMethod {
                return spendingMultiplier(plan: plan, alpha: settings.alpha, oneSided: oneSided, units: t)
            }
            if oneSided {
                return SequentialBoundary.oneSided(alpha: settings.alpha, tuning: settings.sequentialTuning)
                    .oneSidedMultiplier(units: t)
            }
            let value = SequentialBoundary.twoSided(alpha: settings.alpha, tuning: settings.sequentialTuning)
                .twoSidedMultiplier(units: t)
            return value.isFinite ? value : nil
        }
        let tail = oneSided ? settings.alpha : settings.alpha / 2
        return Distributions.quantile(1 - tail, dof: dof)
    }

    /// The p-value of z = (estimate − null)/SE for H₁ "greater" (one-sided) or "different".
    static func pValue(z: Double, settings: TestSettings, dof: Double?, units: Int, oneSidedGreater: Bool?) -> Double? {
        if settings.sequential {
            let t = Double(units)
            guard t > 0 else { return nil }
            if case .alphaSpending(let plan) = settings.sequentialMethod {
                return watchedPValue(z: z, plan: plan, alpha: settings.alpha, units: t, oneSidedGreater: oneSidedGreater)
            }
            switch oneSidedGreater {
            case nil:
                return SequentialBoundary.twoSided(alpha: settings.alpha, tuning: settings.sequentialTuning)
                    .twoSidedPValue(z: z, units: t)
            case .some(let greater):
                return SequentialBoundary.oneSided(alpha: settings.alpha, tuning: settings.sequentialTuning)
                    .oneSidedPValue(z: greater ? z : -z, units: t)
            }
        }
        switch oneSidedGreater {
        case nil:
            return Distributions.upperTail(abs(z), dof: dof).map { min(1, 2 * $0) }
        case .some(let greater):
            return Distributions.upperTail(greater ? z : -z, dof: dof)
        }
    }

    /// An estimate with the interval and p-value the settings ask for.
    ///
    /// - Parameters:
    ///   - point: The point estimate.
    ///   - variance: Its variance.
    ///   - dof: Student t degrees of freedom, `nil` for normal.
    ///   - units: Units behind the estimate (sequential time).
    ///   - settings: Alpha, sidedness, sequential mode.
    ///   - nullValue: The value under the null hypothesis.
    static func estimate(
        point: Double,
        variance: Double,
        dof: Double?,
        units: Int,
        settings: TestSettings,
        nullValue: Double = 0
    ) -> EffectEstimate {
        if let problem = settings.problem { return .degenerate(problem, estimate: point.isFinite ? point : nil) }
        guard point.isFinite, variance.isFinite else {
            return .degenerate(.numericalFailure("estimate or variance is not finite"))
        }
        guard variance > 0 else { return .degenerate(.zeroVariance, estimate: point) }
        let se = variance.squareRoot()
        let z = (point - nullValue) / se
        let oneSided = settings.alternative != .twoSided
        guard let k = multiplier(settings: settings, dof: dof, units: units, oneSided: oneSided) else {
            return .degenerate(.numericalFailure("critical value"), estimate: point)
        }
        let direction: Bool? = switch settings.alternative {
        case .twoSided: nil
        case .treatmentGreater: true
        case .treatmentLess: false
        }
        guard let p = pValue(z: z, settings: settings, dof: dof, units: units, oneSidedGreater: direction) else {
            return .degenerate(.numericalFailure("p-value"), estimate: point)
        }
        let lower = settings.alternative == .treatmentLess ? -Double.infinity : point - k * se
        let upper = settings.alternative == .treatmentGreater ? Double.infinity : point + k * se
        return EffectEstimate(estimate: point, lower: lower, upper: upper, pValue: p, standardError: se)
    }

    /// Relative effect treatment/control − 1 and its delta-method variance
    /// v_t/μ_c² + μ_t²·v_c/μ_c⁴ (independent arms).
    static func relative(_ pair: ArmPair) -> Result<(point: Double, variance: Double), DegenerateReason> {
        let mc = pair.control.mean, mt = pair.treatment.mean
        guard mc != 0 else { return .failure(.zeroControlMean) }
        let mc2 = mc * mc
        let variance = pair.treatment.variance / mc2 + mt * mt * pair.control.variance / (mc2 * mc2)
        let point = mt / mc - 1
        guard point.isFinite, variance.isFinite else { return .failure(.numericalFailure("relative effect overflowed")) }
        return .success((point, variance))
    }

    /// The α-spending boundary at the current look (`units`), the plan's earlier looks before it.
    /// +∞ once α is spent (no rejection possible).
    static func spendingBoundary(plan: AlphaSpendingPlan, alpha: Double, oneSided: Bool, units: Double) -> Double? {
        let schedule = plan.schedule(through: units)
        return AlphaSpendingBoundary(alpha: alpha, spending: plan.spending, maximumUnits: plan.maximumUnits, oneSided: oneSided)
            .boundaries(looks: schedule.looks, fractions: schedule.fractions)?.last
    }

    /// The decision p-value of an α-spending look: the nominal p-value rescaled by α over the
    /// nominal level of the look's boundary b, p = min(1, α·P(|Z| ≥ |z|)/P(|Z| ≥ b)) (one-sided:
    /// upper tails). It is below α exactly when the look crosses its boundary, and 1 once α is spent.
    static func spendingPValue(z: Double, plan: AlphaSpendingPlan, alpha: Double, units: Double, oneSidedGreater: Bool?) -> Double? {
        guard let b = spendingBoundary(plan: plan, alpha: alpha, oneSided: oneSidedGreater != nil, units: units) else {
            return nil
        }
        guard b.isFinite else { return 1 }
        let statistic = oneSidedGreater.map { $0 ? z : -z } ?? abs(z)
        let nominal = Distributions.normalUpperTail(statistic), level = Distributions.normalUpperTail(b)
        guard level > 0 else { return statistic >= b ? 0 : 1 }
        return min(1, alpha * nominal / level)
    }
}
