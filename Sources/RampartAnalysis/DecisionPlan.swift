import Foundation
import RampartCore

/// Power at the current traffic (`rampart plan`, the report's `plan`): units per day observed, and for the primary
/// metric and each guardrail the smallest effect the test resolves now and the days until it can decide.
public struct DecisionPlan: Sendable, Codable {
    /// Enrolled units per day and variant over the traffic window; empty when there is no traffic yet.
    public var unitsPerDay: [String: Double]
    /// The window the rate is measured over, in days: the last 7, or since the current stage started when later
    /// (at least the last 24 h), or since the first exposure's day when the data is younger.
    public var trafficWindowDays: Double?
    /// The target power, 1 − β.
    public var power: Double
    /// One row per primary or guardrail metric and treatment.
    public var metrics: [MetricPlan]
    /// Why there is no rate.
    public var problem: String?

    enum CodingKeys: String, CodingKey {
        case power, metrics, problem
        case unitsPerDay = "units_per_day"
        case trafficWindowDays = "traffic_window_days"
    }
}

/// How far one metric's test is from a decision.
public struct MetricPlan: Sendable, Codable {
    public var metric: String
    public var name: String
    public var role: MetricRole
    public var variant: String
    /// `effect` (the primary's two-sided interval excludes 0), `margin` or `ceiling` (a guardrail's one-sided bound
    /// crosses the limit).
    public var test: String
    /// `relative`, `absolute` or `value`: the scale of `minimum_detectable_effect`, `boundary` and `assumed`.
    public var scale: String
    /// Units behind the test now: control + treatment, or the treatment alone for a ceiling.
    public var units: Int
    /// Those units' daily rate at the current traffic.
    public var unitsPerDay: Double?
    /// The smallest distance from `boundary` the test resolves with the target power at the units so far.
    public var minimumDetectableEffect: Double?
    /// What the test compares with: 0, the margin (signed as the guardrail reads it) or the ceiling.
    public var boundary: Double
    /// The true effect (or value) assumed for the days: the estimate observed now, unless `--effect` gave one.
    public var assumed: Double?
    /// `observed` or `given`.
    public var assumption: String
    /// The decision the assumption leads to: `win`, `loss`, `non_inferior`, `regression`, `below_ceiling`,
    /// `above_ceiling`.
    public var towards: String?
    /// Whether the test has decided already.
    public var decided: Bool
    /// Units (as `units` counts them) at which the test reaches the decision with the target power.
    public var unitsNeeded: Double?
    /// Days from now until then at the current traffic (0 when decided or already enough units).
    public var daysRemaining: Double?
    /// Why a number is missing.
    public var problem: String?

    enum CodingKeys: String, CodingKey {
        case metric, name, role, variant, test, scale, units, boundary, assumed, assumption, towards, decided, problem
        case unitsPerDay = "units_per_day"
        case minimumDetectableEffect = "minimum_detectable_effect"
        case unitsNeeded = "units_needed"
        case daysRemaining = "days_remaining"
    }
}

/// What `rampart plan` may change about the plan.
public struct PlanSettings: Sendable, Hashable {
    /// The target power.
    public var power: Double
    /// The primary metric's true relative effect to plan for; `nil` for the effect observed.
    public var primaryEffect: Double?

    public init(power: Double = 0.8, primaryEffect: Double? = nil) {
        self.power = power
        self.primaryEffect = primaryEffect
    }
}
