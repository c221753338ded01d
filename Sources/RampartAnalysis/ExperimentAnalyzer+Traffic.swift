import Foundation
import RampartCore
import RampartStore

extension ExperimentAnalyzer {
    /// Enrolled units per day and variant at the current traffic, from the timeline's enrolment counts (linearly
    /// interpolated between its points): the units added over the last 7 days before the last point (as-of), or
    /// since the current stage started when that is later — but never less than the last 24 hours, and never
    /// before the start (UTC) of the first exposure's day.
    ///
    /// - Parameters:
    ///   - e: The experiment.
    ///   - timeline: The timeline's points, oldest first; the last one is at the as-of moment.
    ///   - stageStartedAt: When the current stage started; `nil` when it has not (the 7-day window applies).
    /// - Returns: The rates and the window in days; no rates and no window when nobody is enrolled.
    static func traffic(_ e: Experiment, _ timeline: [TimelineAggregates], stageStartedAt: Date?) -> (rates: [String: Double], window: Double?) {
        guard let last = timeline.last, let first = timeline.first else { return ([:], nil) }
        let day = 86_400.0
        let origin = (first.at.timeIntervalSince1970 / day).rounded(.down) * day
        let end = last.at.timeIntervalSince1970
        let stage = min(stageStartedAt?.timeIntervalSince1970 ?? -.infinity, end - day)
        let start = max(end - 7 * day, stage, origin)
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
