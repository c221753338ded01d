import Foundation

/// A histogram of an event property's values: contiguous bins `[edges[i], edges[i+1])` with their event counts.
///
/// Bins are log-spaced (each 1 % wider than the last), so any quantile read from it is within 1 % of the exact
/// order statistic; values at or below 0 share one bin starting at the smallest value.
public struct ValueHistogram: Sendable, Hashable {
    public var edges: [Double]
    public var counts: [Int]

    public init(edges: [Double], counts: [Int]) {
        self.edges = edges
        self.counts = counts
    }

    /// The ratio between consecutive positive edges.
    public static let growth = 1.01

    /// Builds contiguous bins from sparse `(bin index, count)` pairs, where bin `k` is `[growth^k, growth^(k+1))`
    /// and the index `nil` collects values at or below 0.
    ///
    /// - Parameters:
    ///   - bins: Sparse counts by log-bin index.
    ///   - nonPositive: The count of values at or below 0, and the smallest value.
    static func fromLogBins(_ bins: [Int: Int], nonPositive: (count: Int, minimum: Double)?) -> ValueHistogram {
        guard let low = bins.keys.min(), let high = bins.keys.max() else {
            if let nonPositive, nonPositive.count > 0 {
                return ValueHistogram(edges: [nonPositive.minimum, nonPositive.minimum.nextUp], counts: [nonPositive.count])
            }
            return ValueHistogram(edges: [], counts: [])
        }
        var edges: [Double] = []
        var counts: [Int] = []
        if let nonPositive, nonPositive.count > 0 {
            edges.append(nonPositive.minimum)
            counts.append(nonPositive.count)
        }
        for k in low...high {
            edges.append(pow(growth, Double(k)))
            counts.append(bins[k] ?? 0)
        }
        edges.append(pow(growth, Double(high + 1)))
        return ValueHistogram(edges: edges, counts: counts)
    }
}

/// A store that can also return value histograms, for quantile confidence intervals and ceilings, and answer a
/// whole analysis at once.
public protocol ValueDistributionStore: EventStore {
    /// Per variant, a log-binned histogram of a property over the attributed, matching events.
    func valueHistograms(_ metric: MetricQuery, in experiment: ExperimentScope) async throws -> [String: ValueHistogram]

    /// Everything an analysis needs, with each event name read once for all the metrics on it.
    ///
    /// The results equal what the one-metric queries (``EventStore/statistics(_:in:)``,
    /// ``EventStore/jointStatistics(_:_:in:)``, ``EventStore/quantileStatistics(_:level:in:)``,
    /// ``valueHistograms(_:in:)``) return for the same scope; covariates and the timeline have no one-metric query.
    ///
    /// - Parameters:
    ///   - request: The metrics, pairs and timeline.
    ///   - experiment: The experiment, phase and as-of moment.
    func analysis(_ request: AnalysisRequest, in experiment: ExperimentScope) async throws -> AnalysisResult

    /// How many events of each name were ever stored (duplicates not counted), counted in the ingest transaction:
    /// a change marker that grows whenever an event of that name is stored and never goes back, read from a small
    /// table (one row per name) instead of the events. The console's overview re-analyses an experiment only when
    /// the counts of the names its analysis reads have changed.
    func storedEventCounts() async throws -> [String: Int]
}

extension ValueHistogram {
    /// The log-bin index of a positive value (bin `k` is `[growth^k, growth^(k+1))`), `nil` at or below 0.
    ///
    /// The same arithmetic as the SQL of ``ValueDistributionStore/valueHistograms(_:in:)``
    /// (`floor(ln(x) / ln(growth))`), so both put a value in the same bin.
    static func bin(_ x: Double) -> Int? {
        guard x > 0 else { return nil }
        return Int((log(x) / log(growth)).rounded(.down))
    }
}
