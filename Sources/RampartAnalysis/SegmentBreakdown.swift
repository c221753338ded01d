import Foundation
import RampartCore

/// An experiment's metrics within each value of one segment attribute: the report's `segments` field
/// (`rampart report KEY --by ATTR`, `?by=ATTR`; docs/report-format.md, "Segments"). Informative only: the verdict
/// does not read it (segment guardrails aside, docs/rollouts.md).
public struct SegmentBreakdown: Sendable, Codable {
    /// The segment attribute.
    public var attribute: String
    /// How the per-segment p-values are corrected across the segments: `holm`.
    public var correction: String
    /// The experiment's `segment_min_units`: below it, in any variant, a segment shows "too few units".
    public var minUnitsPerVariant: Int
    /// Units whose first exposure recorded no value for the attribute (in no segment).
    public var unitsWithoutValue: Int
    /// The value standing for units beyond the 100 most common values.
    public var overflowValue: String
    /// The segments, most units first.
    public var values: [SegmentResult]
    /// Per metric and treatment, whether the effect differs between segments (Cochran's Q).
    public var heterogeneity: [SegmentHeterogeneity]

    enum CodingKeys: String, CodingKey {
        case attribute, correction, values, heterogeneity
        case minUnitsPerVariant = "min_units_per_variant"
        case unitsWithoutValue = "units_without_value"
        case overflowValue = "overflow_value"
    }
}

/// One segment value's results.
public struct SegmentResult: Sendable, Codable {
    public var value: String
    /// Enrolled units per variant within the segment.
    public var units: [String: Int]
    /// Units of the segment that saw several variants (excluded).
    public var multiVariantExcluded: Int
    /// Whether some variant has fewer than `min_units_per_variant` units: effects are then not shown.
    public var tooFewUnits: Bool
    public var metrics: [SegmentMetric]

    enum CodingKeys: String, CodingKey {
        case value, units, metrics
        case multiVariantExcluded = "multi_variant_excluded"
        case tooFewUnits = "too_few_units"
    }
}

/// One metric within one segment.
public struct SegmentMetric: Sendable, Codable {
    public var key: String
    public var name: String
    public var role: MetricRole
    public var variants: [SegmentVariant]
}

/// One variant's value of a metric within a segment and, for treatments, its effect.
public struct SegmentVariant: Sendable, Codable {
    public var variant: String
    public var units: Int
    public var value: Double?
    /// Treatment − control, fixed-horizon and sequential, as in the report's `metrics`; absent for control and
    /// for a segment with too few units.
    public var absolute: EffectPair?
    public var relative: EffectPair?
    /// The fixed-horizon relative effect's p-value corrected (Holm) across the segments with enough units.
    public var adjustedPValue: Double?
    /// How this segment's relative effect stands against the pooled effect of all segments.
    public var deviation: SegmentDeviation?
    /// Why a number is missing ("too few units", …).
    public var problem: String?

    enum CodingKeys: String, CodingKey {
        case variant, units, value, absolute, relative, deviation, problem
        case adjustedPValue = "adjusted_p_value"
    }
}

/// A segment's relative effect against the inverse-variance pooled effect of the segments (docs/statistics.md).
public struct SegmentDeviation: Sendable, Codable {
    public var z: Double?
    public var pValue: Double?
    /// Holm-corrected across the segments.
    public var adjustedPValue: Double?
    /// The corrected p-value is below α: the segment's effect differs from the overall effect beyond chance.
    public var differs: Bool
    public var problem: String?

    enum CodingKeys: String, CodingKey {
        case z, differs, problem
        case pValue = "p_value"
        case adjustedPValue = "adjusted_p_value"
    }
}

/// Cochran's Q of one metric and treatment across the segments with enough units.
public struct SegmentHeterogeneity: Sendable, Codable {
    public var metric: String
    public var variant: String
    /// The scale compared: `relative` (the fixed-horizon relative effect).
    public var scale: String
    /// Segments in the test.
    public var segments: Int
    public var q: Double?
    public var degreesOfFreedom: Int?
    public var pValue: Double?
    public var iSquared: Double?
    /// The pooled relative effect θ̄ the deviations are measured from.
    public var pooled: Double?
    public var problem: String?

    enum CodingKeys: String, CodingKey {
        case metric, variant, scale, segments, q, pooled, problem
        case degreesOfFreedom = "dof"
        case pValue = "p_value"
        case iSquared = "i_squared"
    }
}

extension SegmentVariant {
    /// `value`, `adjusted_p_value` and `problem` always (`null` when unknown); the effects only for a treatment of a
    /// segment with enough units, as control rows carry none in the report's `metrics`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(variant, forKey: .variant)
        try c.encode(units, forKey: .units)
        try c.encode(value, forKey: .value)
        try c.encodeIfPresent(absolute, forKey: .absolute)
        try c.encodeIfPresent(relative, forKey: .relative)
        try c.encode(adjustedPValue, forKey: .adjustedPValue)
        try c.encodeIfPresent(deviation, forKey: .deviation)
        try c.encode(problem, forKey: .problem)
    }
}

extension SegmentDeviation {
    /// Every key, `null` when unknown.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(z, forKey: .z)
        try c.encode(pValue, forKey: .pValue)
        try c.encode(adjustedPValue, forKey: .adjustedPValue)
        try c.encode(differs, forKey: .differs)
        try c.encode(problem, forKey: .problem)
    }
}

extension SegmentHeterogeneity {
    /// Every key, `null` when unknown.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(metric, forKey: .metric)
        try c.encode(variant, forKey: .variant)
        try c.encode(scale, forKey: .scale)
        try c.encode(segments, forKey: .segments)
        try c.encode(q, forKey: .q)
        try c.encode(degreesOfFreedom, forKey: .degreesOfFreedom)
        try c.encode(pValue, forKey: .pValue)
        try c.encode(iSquared, forKey: .iSquared)
        try c.encode(pooled, forKey: .pooled)
        try c.encode(problem, forKey: .problem)
    }
}
