import Foundation

/// What a store returns for an ``AnalysisRequest``: the same sufficient statistics as the one-metric queries,
/// indexed like the request.
public struct AnalysisResult: Sendable, Hashable {
    /// Enrolment and exclusions as of the scope's moment.
    public var attribution: Attribution
    /// Per metric of the request, in order: what ``EventStore/statistics(_:in:)`` returns for its query.
    public var metrics: [MetricAggregates]
    /// Per metric with a covariate window: the pre-exposure value (x) with the metric (y).
    public var covariates: [Int: JointMetricAggregates]
    /// Per quantile metric: what ``EventStore/quantileStatistics(_:level:in:)`` returns.
    public var quantiles: [Int: QuantileMetricAggregates]
    /// Per quantile metric: what ``ValueDistributionStore/valueHistograms(_:in:)`` returns.
    public var histograms: [Int: [String: ValueHistogram]]
    /// Per pair of the request, in order: what ``EventStore/jointStatistics(_:_:in:)`` returns.
    public var pairs: [JointMetricAggregates]
    /// The timeline's points, oldest first; empty when none was asked for or nobody was exposed.
    public var timeline: [TimelineAggregates]

    public init(
        attribution: Attribution, metrics: [MetricAggregates], covariates: [Int: JointMetricAggregates] = [:],
        quantiles: [Int: QuantileMetricAggregates] = [:], histograms: [Int: [String: ValueHistogram]] = [:],
        pairs: [JointMetricAggregates] = [], timeline: [TimelineAggregates] = []
    ) {
        self.attribution = attribution
        self.metrics = metrics
        self.covariates = covariates
        self.quantiles = quantiles
        self.histograms = histograms
        self.pairs = pairs
        self.timeline = timeline
    }
}

/// One timeline point: a metric's per-variant statistics over the data as it stood at a moment.
public struct TimelineAggregates: Sendable, Hashable {
    /// The moment (inclusive): the end of an interval, or the scope's as-of moment for the last point.
    public var at: Date
    /// Per variant: units enrolled at that moment (exposed by then, not yet to a second variant), Σx and Σx² of
    /// their values over their events up to then.
    public var variants: [String: SufficientStatistics]

    public init(at: Date, variants: [String: SufficientStatistics]) {
        self.at = at
        self.variants = variants
    }
}
