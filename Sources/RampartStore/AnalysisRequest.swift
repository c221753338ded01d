import Foundation

/// Everything one experiment analysis reads from the store, asked for at once so that the store can read each
/// event name once for all the metrics on it (docs/events.md, "Querying").
public struct AnalysisRequest: Sendable, Hashable {
    /// One per-unit metric.
    public struct Metric: Sendable, Hashable {
        /// What is aggregated per unit.
        public var query: MetricQuery
        /// For a quantile metric, its level in (0, 1): the result then has the quantile with its per-unit sums
        /// and the value histograms.
        public var quantile: Double?
        /// For CUPED, the pre-exposure window in seconds: the result then has the joint statistics of the same
        /// per-unit value over `[first exposure − window, first exposure)` (x) and the metric (y).
        public var covariateWindow: TimeInterval?

        /// Creates a metric.
        ///
        /// - Parameters:
        ///   - query: What is aggregated per unit.
        ///   - quantile: The level of a quantile metric; `nil` by default.
        ///   - covariateWindow: The CUPED window in seconds; `nil` (no covariate) by default.
        public init(_ query: MetricQuery, quantile: Double? = nil, covariateWindow: TimeInterval? = nil) {
            self.query = query
            self.quantile = quantile
            self.covariateWindow = covariateWindow
        }
    }

    /// Two metrics whose joint statistics are needed (a ratio's numerator and denominator).
    public struct Pair: Sendable, Hashable {
        /// The index of the first metric (x) in ``AnalysisRequest/metrics``.
        public var x: Int
        /// The index of the second metric (y).
        public var y: Int

        public init(x: Int, y: Int) {
            self.x = x
            self.y = y
        }
    }

    /// Cumulative statistics of one metric at regular moments since the experiment's first exposure.
    public struct Timeline: Sendable, Hashable {
        /// The index of the metric in ``AnalysisRequest/metrics``: a count, sum or indicator, not a quantile.
        public var metric: Int
        /// The spacing of the points, in seconds; points fall at the end of each interval (UTC), 1 day by default.
        public var interval: TimeInterval
        /// The most points; with more intervals than that, several intervals share a point. The last point is
        /// always the scope's as-of moment.
        public var maxPoints: Int

        /// Creates a timeline request.
        ///
        /// - Parameters:
        ///   - metric: The index of the metric.
        ///   - interval: The spacing of the points in seconds; a day by default.
        ///   - maxPoints: The most points; 60 by default.
        public init(metric: Int, interval: TimeInterval = 86_400, maxPoints: Int = 60) {
            self.metric = metric
            self.interval = interval
            self.maxPoints = maxPoints
        }
    }

    /// The per-unit metrics.
    public var metrics: [Metric]
    /// Joint statistics wanted, by metric index.
    public var pairs: [Pair]
    /// The timeline wanted, if any.
    public var timeline: Timeline?

    /// Creates a request.
    ///
    /// - Parameters:
    ///   - metrics: The per-unit metrics.
    ///   - pairs: Joint statistics wanted; none by default.
    ///   - timeline: A timeline; none by default.
    public init(metrics: [Metric], pairs: [Pair] = [], timeline: Timeline? = nil) {
        self.metrics = metrics
        self.pairs = pairs
        self.timeline = timeline
    }
}
