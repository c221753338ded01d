import Foundation
import RampartCore
import RampartStats
import RampartStore

/// The looks of an experiment's α-spending design: one at the end of each UTC day since the first exposure.
///
/// A report read at any moment decides as of the last completed UTC day end (``moment(before:)``), so reading it
/// more often than daily does not add looks and does not spend more α; the boundaries depend only on the design
/// and the units at the day ends, so the same data always gives the same decision (docs/statistics.md). One-sided
/// tests (guardrails) give ``SequentialDesign/guardrailWatchShare`` of α to an always-valid watch that keeps deciding
/// past the maximum; two-sided tests (the primary) ignore it.
struct SequentialLooks {
    /// The spending function.
    let spending: SpendingFunction
    /// Units information: the units of all variants together at which α is fully spent
    /// (``Experiment/sequentialMaximumUnits``); `nil` with calendar time.
    let maximumUnits: Double?
    /// Calendar time: the day at which α is fully spent (``Experiment/sequentialHorizonDays``); `nil` with units.
    let horizonDays: Double?
    /// n* of the guardrails' always-valid watch: the maximum units, or with calendar time the experiment's
    /// `sequential_tuning` (the only sample size fixed before the data).
    let watchTuning: Double
    /// Variant weights, to share the maximum among the arms of a comparison.
    let weights: [String: Double]
    /// The current look: the inclusive end (23:59:59.999 UTC) of the last completed day.
    let at: Date
    /// Enrolled units per variant at each day end up to and including the current look, oldest first.
    let dayEnds: [[String: Int]]
    /// The moments of ``dayEnds``.
    let moments: [Date]

    /// The inclusive end of the last UTC day completed at `now`: the moment a read at `now` decides as of.
    static func moment(before now: Date) -> Date {
        let milliseconds = (now.timeIntervalSince1970 * 1_000).rounded(.down)
        let day = 86_400_000.0
        let midnight = (milliseconds / day).rounded(.down) * day
        return Date(timeIntervalSince1970: (midnight - 1) / 1_000)
    }

    /// The looks of an experiment's design from a store result read as of ``moment(before:)`` with an unthinned
    /// daily timeline; `nil` when the experiment does not use α-spending.
    init?(_ e: Experiment, at: Date, timeline: [TimelineAggregates]) {
        guard e.analysis.sequential, case .alphaSpending(let spending, _, _) = e.analysis.sequentialMethod else { return nil }
        let maximum = e.sequentialMaximumUnits.map(Double.init), horizon = e.sequentialHorizonDays.map(Double.init)
        guard maximum != nil || horizon != nil else { return nil }
        self.spending = spending == .pocock ? .pocock : .obrienFleming
        self.maximumUnits = maximum
        self.horizonDays = maximum == nil ? horizon : nil
        self.watchTuning = maximum ?? e.analysis.sequentialTuning
        self.weights = Dictionary(e.variants.map { ($0.key, $0.weight) }, uniquingKeysWith: { first, _ in first })
        self.at = at
        self.dayEnds = timeline.map { $0.variants.mapValues(\.count) }
        self.moments = timeline.map(\.at)
    }

    /// The day of a look at `moment`: 1 at the first UTC day end of the timeline (the day of the phase's first
    /// exposure), counting whole days after it. Fixed by the calendar alone, never by the data.
    func day(of moment: Date) -> Double {
        guard let first = moments.first else { return 1 }
        return (moment.timeIntervalSince(first) / 86_400).rounded() + 1
    }

    /// The day of each day end.
    var days: [Double] { moments.map(day(of:)) }

    /// Enrolled units of some variants at each day end.
    func enrolled(_ variants: [String]) -> [Double] {
        dayEnds.map { point in variants.reduce(0.0) { $0 + Double(point[$1] ?? 0) } }
    }

    /// A plan with this design's spending, maximum or calendar, and watch.
    private func plan(share: Double, scale: Double, earlier: [Double], earlierDays: [Double], day: Double) -> AlphaSpendingPlan {
        AlphaSpendingPlan(
            spending: spending, maximumUnits: maximumUnits.map { $0 * share * scale } ?? watchTuning,
            earlierLooks: earlier.map { $0 * scale }, watchShare: SequentialDesign.guardrailWatchShare,
            calendar: horizonDays.map { AlphaSpendingPlan.CalendarSpending(horizonDays: $0, earlierDays: earlierDays, days: day) }
        )
    }

    /// The α-spending plan of a test on some variants (control and a treatment, or a treatment alone for a
    /// ceiling) with `units` behind its statistic at the current look.
    ///
    /// Information is counted in the test's own units; when they differ from the arms' enrolled units (a quantile
    /// counts the units with events), the earlier looks and the maximum are scaled by the same ratio, so the
    /// information fraction of every look is the arms' enrolled share of their maximum. With calendar time each
    /// look spends by its day.
    func plan(_ variants: [String], units: Int) -> AlphaSpendingPlan {
        let enrolled = enrolled(variants)
        let share = variants.reduce(0.0) { $0 + (weights[$1] ?? 0) }
        let now = enrolled.last ?? 0
        let scale = now > 0 && units > 0 ? Double(units) / now : 1
        let days = days
        return plan(share: share, scale: scale, earlier: Array(enrolled.dropLast()), earlierDays: Array(days.dropLast()), day: days.last ?? 1)
    }

    /// The α-spending plan of a comparison read at another moment (a timeline point, or a projected look): the day
    /// ends before `moment` are its earlier looks, its units are the arms' enrolled units.
    func plan(_ variants: [String], before moment: Date) -> AlphaSpendingPlan {
        let share = variants.reduce(0.0) { $0 + (weights[$1] ?? 0) }
        let earlier = zip(zip(moments, enrolled(variants)), days).filter { $0.0.0 < moment }
        let day = moment == .distantFuture ? (earlier.last?.1 ?? 1) : day(of: moment)
        return plan(share: share, scale: 1, earlier: earlier.map(\.0.1), earlierDays: earlier.map(\.1), day: day)
    }

    /// Whether α is spent: the current look is at or past the maximum units or the horizon.
    var exhaustedNote: String {
        if let horizonDays {
            return "alpha-spending: the horizon of \(Int(horizonDays)) days passed without a decision on the primary (the first look at or past it spent what was left of alpha); no later look can decide: end the experiment, or start a new phase to test again"
        }
        return "alpha-spending: all of alpha was spent at the first look at or past max_units (\(Int(maximumUnits ?? 0)) units); no later look can decide"
    }

    /// The day of the current look's information: the first day end at which all variants together had the units
    /// they have at the look (a day that adds no units is not a new look, ``AlphaSpendingPlan/schedule(through:)``).
    var lookDay: Double {
        let totals = enrolled(Array(weights.keys)), days = days
        guard let last = totals.last, let index = totals.firstIndex(where: { $0 >= last }) else { return days.last ?? 1 }
        return days[index]
    }

    /// What the report says about the design.
    var summary: SequentialMethodSummary {
        let enrolledNow = enrolled(Array(weights.keys)).last ?? 0
        let lookDay = lookDay
        let fraction = horizonDays.map { min(1, lookDay / $0) } ?? min(1, enrolledNow / (maximumUnits ?? 1))
        return SequentialMethodSummary(
            method: "alpha_spending", spending: spending == .pocock ? "pocock" : "obrien_fleming",
            maxUnits: maximumUnits.map { Int($0) }, lookAt: at, looks: dayEnds.filter { $0.values.contains { $0 > 0 } }.count,
            informationFraction: fraction, tuning: nil, guardrailWatchShare: SequentialDesign.guardrailWatchShare,
            information: horizonDays == nil ? "units" : "calendar", horizonDays: horizonDays.map { Int($0) },
            lookDay: horizonDays == nil ? nil : Int(lookDay)
        )
    }
}

/// The sequential design the report's tests used (`experiment.sequential_method`, docs/report-format.md).
public struct SequentialMethodSummary: Sendable, Codable, Hashable {
    /// `mixture` or `alpha_spending`.
    public var method: String
    /// α-spending: `obrien_fleming` or `pocock`.
    public var spending: String?
    /// α-spending: the units (all variants) at which α is fully spent.
    public var maxUnits: Int?
    /// Where `max_units` came from: `max_units` (the file; the only source since the ramp-derived maximum was removed).
    public var maxUnitsFrom: String?
    /// α-spending: the look the tests and the verdict read, the end of the last completed UTC day.
    public var lookAt: Date?
    /// α-spending: day ends with enrolled units so far, the current look included.
    public var looks: Int?
    /// α-spending: the look's spending fraction, capped at 1 (α is fully spent at 1): its day over `horizon_days`
    /// (calendar) or enrolled units at the look over `max_units` (units).
    public var informationFraction: Double?
    /// Mixture: the tuning n*.
    public var tuning: Double?
    /// α-spending: the share of each guardrail's α given to the always-valid watch (``SequentialDesign/guardrailWatchShare``).
    public var guardrailWatchShare: Double?
    /// α-spending: what the spending is indexed by, `calendar` (days over `horizon_days`) or `units` (over `max_units`).
    public var information: String?
    /// α-spending over calendar time: the day at which α is fully spent.
    public var horizonDays: Int?
    /// α-spending over calendar time: the day of the current look's information (1 = the UTC day of the phase's first
    /// exposure): the day its units were first reached, since a day that adds no units is not a new look.
    public var lookDay: Int?

    enum CodingKeys: String, CodingKey {
        case method, spending, looks, tuning
        case maxUnits = "max_units"
        case maxUnitsFrom = "max_units_from"
        case lookAt = "look_at"
        case informationFraction = "information_fraction"
        case guardrailWatchShare = "guardrail_watch_share"
        case information
        case horizonDays = "horizon_days"
        case lookDay = "look_day"
    }

    init(method: String, spending: String? = nil, maxUnits: Int? = nil, maxUnitsFrom: String? = nil, lookAt: Date? = nil, looks: Int? = nil, informationFraction: Double? = nil, tuning: Double?, guardrailWatchShare: Double? = nil, information: String? = nil, horizonDays: Int? = nil, lookDay: Int? = nil) {
        self.information = information
        self.horizonDays = horizonDays
        self.lookDay = lookDay
        self.method = method
        self.spending = spending
        self.maxUnits = maxUnits
        self.maxUnitsFrom = maxUnitsFrom
        self.lookAt = lookAt
        self.looks = looks
        self.informationFraction = informationFraction
        self.tuning = tuning
        self.guardrailWatchShare = guardrailWatchShare
    }

    /// The summary of an experiment's design, given its looks when it uses α-spending.
    static func of(_ e: Experiment, looks: SequentialLooks?) -> SequentialMethodSummary? {
        guard e.analysis.sequential else { return nil }
        guard var summary = looks?.summary else {
            return SequentialMethodSummary(method: "mixture", tuning: e.analysis.sequentialTuning)
        }
        if e.sequentialMaximumUnits != nil { summary.maxUnitsFrom = "max_units" }
        return summary
    }
}

extension ExperimentSummary {
    /// How the text, Markdown and HTML reports name the tests: "fixed-horizon", "sequential (normal mixture,
    /// n* = 5000)", "sequential (alpha-spending, obrien_fleming, calendar, horizon 28 days; look at
    /// 2026-05-30T23:59:59Z, day 3, 3 looks, information 11%)" or "sequential (alpha-spending, obrien_fleming, max
    /// 12000 units from max_units; look at 2026-05-30T23:59:59Z, 3 looks, information 42%)".
    var testsDescription: String {
        guard sequential else { return "fixed-horizon" }
        guard let m = sequentialMethod else { return "sequential" }
        if m.method == "mixture" { return "sequential (normal mixture, n* = \(m.tuning.map { String(format: "%.0f", $0) } ?? "?"))" }
        let look = m.lookAt.map { ReportFormat.date($0) } ?? "?"
        let fraction = m.informationFraction.map { ReportFormat.percent($0) } ?? "?"
        if let horizon = m.horizonDays {
            return "sequential (alpha-spending, \(m.spending ?? "?"), calendar, horizon \(horizon) days; look at \(look), day \(m.lookDay.map(String.init) ?? "?"), \(m.looks ?? 0) looks, information \(fraction))"
        }
        return "sequential (alpha-spending, \(m.spending ?? "?"), max \(m.maxUnits.map(String.init) ?? "?") units from \(m.maxUnitsFrom ?? "?"); look at \(look), \(m.looks ?? 0) looks, information \(fraction))"
    }
}
