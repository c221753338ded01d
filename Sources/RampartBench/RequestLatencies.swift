import Foundation
import RampartStats
import Synchronization

/// How long the soak's requests of each kind took, apart by whether a results request (an analysis) ran during
/// them: the hot path's latency at rest and while a PM reads a report.
final class RequestLatencies: Sendable {
    /// The latencies of one kind and class, in milliseconds.
    struct Summary: Equatable, Sendable {
        var count: Int
        var median: Double
        var p99: Double
        var maximum: Double
    }

    private struct Samples {
        var atRest: [Double] = []
        var duringAnalysis: [Double] = []
    }

    private let samples = Mutex<[String: Samples]>([:])

    /// Records one request.
    ///
    /// - Parameters:
    ///   - kind: The kind of request (`ofrep`, `events`).
    ///   - milliseconds: How long it took, from sending to the whole answer.
    ///   - duringAnalysis: Whether a results request was in flight at any time during it
    ///     (``ResultsActivity/overlapped(since:)``).
    func record(_ kind: String, milliseconds: Double, duringAnalysis: Bool) {
        samples.withLock { all in
            if duringAnalysis {
                all[kind, default: Samples()].duringAnalysis.append(milliseconds)
            } else {
                all[kind, default: Samples()].atRest.append(milliseconds)
            }
        }
    }

    /// The median, 99th percentile (order statistics of rank ⌈N·p⌉) and maximum of one kind and class; nil when
    /// there is no such request.
    ///
    /// - Parameters:
    ///   - kind: The kind of request.
    ///   - duringAnalysis: The requests during an analysis, or those at rest.
    func summary(_ kind: String, duringAnalysis: Bool) -> Summary? {
        let values = samples.withLock { all in duringAnalysis ? all[kind]?.duringAnalysis : all[kind]?.atRest } ?? []
        let sample = SortedSample(values)
        guard let median = sample.quantile(0.5), let p99 = sample.quantile(0.99), let maximum = sample.values.last else { return nil }
        return Summary(count: sample.values.count, median: median, p99: p99, maximum: maximum)
    }

    /// One line for the soak's summary: both classes of one kind.
    ///
    /// - Parameters:
    ///   - kind: The kind of request.
    ///   - title: What the line calls it.
    func line(_ kind: String, title: String) -> String {
        func text(_ summary: Summary?) -> String {
            guard let s = summary else { return "none" }
            return "\(s.count), median \(Self.format(s.median)) ms, p99 \(Self.format(s.p99)) ms, max \(Self.format(s.maximum)) ms"
        }
        return "\(title) latency at rest: \(text(summary(kind, duringAnalysis: false))); during an analysis: \(text(summary(kind, duringAnalysis: true)))"
    }

    static func format(_ milliseconds: Double) -> String {
        milliseconds < 10 ? String(format: "%.2f", milliseconds) : milliseconds < 100 ? String(format: "%.1f", milliseconds) : String(format: "%.0f", milliseconds)
    }
}
