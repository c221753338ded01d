import Foundation
import RampartCore

/// One metric's results for every variant.
public struct MetricReport: Sendable, Codable {
    public var key: String
    public var name: String
    public var role: MetricRole
    public var kind: MetricKind
    public var direction: MetricDirection
    public var threshold: ThresholdSummary?
    public var quantile: Double?
    public var variants: [VariantResult]
    /// When CUPED adjusted the comparisons: the pre-exposure window in days; absent otherwise.
    public var cupedWindowDays: Double?

    enum CodingKeys: String, CodingKey {
        case key, name, role, kind, direction, threshold, quantile, variants
        case cupedWindowDays = "cuped_window_days"
    }
}

/// A guardrail's threshold, as written in the experiment file.
public struct ThresholdSummary: Sendable, Codable {
    /// `relative_margin`, `absolute_margin` or `ceiling`.
    public var type: String
    public var value: Double
}

/// A point estimate with its confidence interval and p-value; `null` numbers come with a `problem`.
public struct Estimate: Sendable, Codable, Hashable {
    public var estimate: Double?
    public var lower: Double?
    public var upper: Double?
    public var pValue: Double?
    public var problem: String?

    enum CodingKeys: String, CodingKey {
        case estimate, lower, upper, problem
        case pValue = "p_value"
    }

    public init(estimate: Double?, lower: Double?, upper: Double?, pValue: Double?, problem: String?) {
        self.estimate = estimate.finite
        self.lower = lower.finite
        self.upper = upper.finite
        self.pValue = pValue.finite
        self.problem = problem
    }
}

/// An effect estimated two ways: fixed-horizon (valid for one look) and sequential (valid at every look).
public struct EffectPair: Sendable, Codable {
    public var fixed: Estimate
    public var sequential: Estimate
}

/// One variant's value of a metric and, for treatments, its comparison with control.
public struct VariantResult: Sendable, Codable {
    public var variant: String
    /// Enrolled units.
    public var units: Int
    /// The variant's value: a proportion, mean, ratio or quantile.
    public var value: Double?
    public var absolute: EffectPair?
    public var relative: EffectPair?
    /// For guardrails: `non_inferior`, `regression`, `below_ceiling`, `above_ceiling` or `inconclusive`.
    public var guardrail: String?
    /// How the verdict policy reads this result: `pass`, `fail`, `inconclusive` or `missing`.
    public var outcome: MetricAssessment.Outcome?
    /// Why a number is missing.
    public var problem: String?
    /// For CUPED-adjusted treatments: the share of the effect's variance the covariate removed,
    /// 1 − (SE adjusted / SE unadjusted)² of the fixed-horizon absolute effect.
    public var cupedVarianceReduction: Double?
    /// For guardrails: the probability that the true effect (or value, for ceilings) is beyond the threshold, under
    /// the flat-prior normal view of the same estimate and standard error; the verdict holds when it exceeds the
    /// experiment's `advance_risk`. Absent when it cannot be computed (missing numbers).
    public var probabilityBeyondThreshold: Double?
    /// For the primary metric's treatments: chance to beat control and expected loss.
    public var bayesian: BayesianSummary?
    /// For guardrails: the one-sided bounds the guardrail's decision reads, and its limit.
    public var guardrailBounds: GuardrailBounds?

    enum CodingKeys: String, CodingKey {
        case variant, units, value, absolute, relative, guardrail, outcome, problem, bayesian
        case cupedVarianceReduction = "cuped_variance_reduction"
        case probabilityBeyondThreshold = "probability_beyond_threshold"
        case guardrailBounds = "guardrail_bounds"
    }
}

extension Optional where Wrapped == Double {
    /// `nil` for NaN and infinities, so JSON never carries a non-number.
    var finite: Double? {
        guard let value = self, value.isFinite else { return nil }
        return value
    }
}
