import Foundation
import RampartCore
import RampartStore

extension ExperimentAnalyzer {
    /// Enrolled units per day and variant at the current traffic, from the timeline's enrolment counts: the units
    /// added over the last 24 hours before the last point (as-of), or since the start (UTC) of the first
    /// exposure's day when the data covers less; counts between timeline points are interpolated linearly.
    ///
    /// - Returns: The rates and the window in days; no rates and no window when nobody is enrolled.
    static func traffic(_ e: Experiment, _ timeline: [TimelineAggregates]) -> (rates: [String: Double], window: Double?) {
        guard let last = timeline.last, let first = timeline.first else { return ([:], nil) }
        let day = 86_400.0
        let origin = (first.at.timeIntervalSince1970 / day).rounded(.down) * day
        let end = last.at.timeIntervalSince1970
        let start = max(end - day, origin)
        let window = end - start
        guard window > 0 else { return ([:], nil) }
        // (moment, enrolled units per variant), starting from nobody at the origin.
        let points: [(Double, [String: Int])] = [(origin, [:])] + timeline.map { ($0.at.timeIntervalSince1970, $0.variants.mapValues(\.count)) }
        func enrolled(_ variant: String, at moment: Double) -> Double {
            guard let i = points.firstIndex(where: { $0.0 >= moment }) else { return Double(points.last?.1[variant] ?? 0) }
            let after = Double(points[i].1[variant] ?? 0)
            guard i > 0, points[i].0 > moment else { return after }
            let before = Double(points[i - 1].1[variant] ?? 0)
            let share = (moment - points[i - 1].0) / (points[i].0 - points[i - 1].0)
            return before + (after - before) * share
        }
        var rates: [String: Double] = [:]
        for variant in e.variants {
            rates[variant.key] = (enrolled(variant.key, at: end) - enrolled(variant.key, at: start)) / (window / day)
        }
        guard rates.values.contains(where: { $0 > 0 }) || last.variants.values.contains(where: { $0.count > 0 }) else { return ([:], nil) }
        return (rates, window / day)
    }
}
