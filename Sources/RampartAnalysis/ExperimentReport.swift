import Foundation
import RampartCore

/// The full analysis of one experiment at one moment: the JSON report of docs/report-format.md.
///
/// Field names are part of a stable schema (`schema` = `rampart.report/v1`): fields may be added, never renamed or
/// removed, within a schema version. Numbers that cannot be computed are `null`, with a `problem` saying why.
public struct ExperimentReport: Sendable, Codable {
    public static let schemaVersion = "rampart.report/v1"

    public var schema: String = ExperimentReport.schemaVersion
    public var experiment: ExperimentSummary
    public var generatedAt: Date
    public var asOf: Date
    public var stage: StageSummary
    public var units: UnitSummary
    public var srm: SRMSummary
    public var metrics: [MetricReport]
    public var warnings: [String]
    public var verdict: Verdict
    public var timeline: [TimelinePoint]
    public var funnel: [FunnelStep]
    public var cost: [CostRow]
    /// Power at the current traffic: the minimum detectable effects and the days to a decision.
    public var plan: DecisionPlan?
    /// Served vs. ran: per variant, the share of LLM events that ran another prompt version or model; absent when
    /// the store cannot say.
    public var servedVersusRan: ServedVersusRan?
    /// Example units behind each metric and variant, when asked for (`rampart report --examples N`, `?examples=N`).
    public var examples: [MetricExamples]?
    /// The metrics within each value of one segment attribute, when asked for (`rampart report --by ATTR`, `?by=ATTR`).
    public var segments: SegmentBreakdown?

    enum CodingKeys: String, CodingKey {
        case schema, experiment, stage, units, srm, metrics, warnings, verdict, timeline, funnel, cost, plan
        case servedVersusRan = "served_vs_ran"
        case examples
        case segments
        case generatedAt = "generated_at"
        case asOf = "as_of"
    }
}

/// Who the experiment is.
public struct ExperimentSummary: Sendable, Codable {
    public var key: String
    public var name: String
    public var phase: Int
    public var status: ExperimentStatus
    public var unit: String
    public var control: String
    public var variants: [VariantSummary]
    public var sequential: Bool
    public var alpha: Double
    /// The sequential design of the tests and its parameters; absent when `sequential` is false.
    public var sequentialMethod: SequentialMethodSummary?

    enum CodingKeys: String, CodingKey {
        case key, name, phase, status, unit, control, variants, sequential, alpha
        case sequentialMethod = "sequential_method"
    }
}

/// A variant and what it serves.
public struct VariantSummary: Sendable, Codable {
    public var key: String
    public var weight: Double
    public var promptVersionId: String
    public var model: String
    public var provider: String

    enum CodingKeys: String, CodingKey {
        case key, weight, model, provider
        case promptVersionId = "prompt_version_id"
    }
}

/// Where the rollout stands.
public struct StageSummary: Sendable, Codable {
    /// 0-based; `null` when the coverage is not a stage of the plan.
    public var index: Int?
    public var count: Int
    public var coverage: Double
    /// When the stage started, at or before the moment analysed; `null` when it had not started by then.
    public var startedAt: Date?
    /// The recorded fact the start comes from: the ramp action that entered the stage, or the phase's first exposure.
    public var startedBy: StageStart.Source?
    public var minDurationSeconds: Double?
    public var minUnitsPerVariant: Int?

    enum CodingKeys: String, CodingKey {
        case index, count, coverage
        case startedAt = "started_at"
        case startedBy = "started_by"
        case minDurationSeconds = "min_duration_seconds"
        case minUnitsPerVariant = "min_units_per_variant"
    }

    /// Every key, `null` when unknown (docs/report-format.md).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index)
        try c.encode(count, forKey: .count)
        try c.encode(coverage, forKey: .coverage)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(startedBy, forKey: .startedBy)
        try c.encode(minDurationSeconds, forKey: .minDurationSeconds)
        try c.encode(minUnitsPerVariant, forKey: .minUnitsPerVariant)
    }
}

extension StageSummary: CustomStringConvertible {
    /// "stage 2 of 5 at 5% coverage since 2026-06-02T06:00:00Z (the ramp action)".
    public var description: String {
        let position = index.map { "stage \($0 + 1) of \(count)" } ?? "off-plan"
        guard let startedAt else {
            return "\(position) at \(ReportFormat.percent(coverage)) coverage, not started by this moment"
        }
        let fact = startedBy == .firstExposure ? "the phase's first exposure" : "the ramp action"
        return "\(position) at \(ReportFormat.percent(coverage)) coverage since \(ReportFormat.date(startedAt)) (\(fact))"
    }
}

/// Enrolment and exclusions.
public struct UnitSummary: Sendable, Codable {
    /// Analysed units per variant.
    public var enrolled: [String: Int]
    /// Units exposed to more than one variant, excluded from every variant.
    public var multiVariantExcluded: Int
    /// Exposure events counted.
    public var exposures: Int

    enum CodingKeys: String, CodingKey {
        case enrolled, exposures
        case multiVariantExcluded = "multi_variant_excluded"
    }
}

/// The sample-ratio-mismatch test.
public struct SRMSummary: Sendable, Codable {
    public var pValue: Double?
    public var threshold: Double
    public var mismatch: Bool
    public var expectedWeights: [String: Double]
    public var problem: String?

    enum CodingKeys: String, CodingKey {
        case threshold, mismatch, problem
        case pValue = "p_value"
        case expectedWeights = "expected_weights"
    }
}

/// One point of the cumulative primary-metric effect over time.
public struct TimelinePoint: Sendable, Codable {
    public var at: Date
    public var variant: String
    public var units: Int
    public var relative: Estimate?
}

/// One step of the request → completed → rated positive → task completed funnel.
public struct FunnelStep: Sendable, Codable {
    public var step: String
    /// Units reaching the step, per variant.
    public var units: [String: Int]
    /// Share of enrolled units reaching it, per variant.
    public var share: [String: Double?]
}

/// LLM spend per variant and model.
public struct CostRow: Sendable, Codable {
    public var variant: String
    public var model: String
    public var requests: Int
    public var costUSD: Double
    public var costPerUnitUSD: Double?

    enum CodingKeys: String, CodingKey {
        case variant, model, requests
        case costUSD = "cost_usd"
        case costPerUnitUSD = "cost_per_unit_usd"
    }
}
