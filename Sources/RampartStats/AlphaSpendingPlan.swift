/// The design of an α-spending sequential test: spending function, maximum information and
/// the looks taken so far.
///
/// Information is counted in units (n_c + n_t for a comparison), as the mixture sequence
/// counts its time. The boundary at a look depends only on this plan and the units at the
/// look, so a report recomputed from stored events gives the same boundary every time.
///
/// With ``calendar`` the α spent by each look comes from calendar time instead, α(day/horizon)
/// (Lan & DeMets 1989), the units still giving the covariance of the looks; ``maximumUnits``
/// then only tunes the guardrail watch.
public struct AlphaSpendingPlan: Sendable, Hashable {
    /// How α is spent over the information fraction.
    public var spending: SpendingFunction
    /// The units at which the whole of α is spent (the plan's maximum sample, both arms).
    public var maximumUnits: Double
    /// Units at the looks before the current one (any order; those at or above the
    /// current look's units are ignored).
    public var earlierLooks: [Double]
    /// The share w of α that one-sided tests (guardrails) give to an always-valid watch: a one-sided normal-mixture
    /// sequence at level w·α, tuned at n* = `maximumUnits`, that keeps deciding for the whole run, past the maximum
    /// included, while the α-spending boundary runs at (1 − w)·α (union bound: the overall error stays ≤ α).
    /// 0 (the default) gives one-sided tests the plain α-spending boundary; two-sided tests ignore it.
    public var watchShare: Double
    /// Calendar-time spending: when set, look k spends α(τ_k) with τ_k = its day over the horizon, and α is fully
    /// spent at the first look at or past the horizon; `nil` spends over the information fraction units/``maximumUnits``.
    public var calendar: CalendarSpending?

    /// Calendar time of an α-spending plan: a horizon fixed in advance and the day of each look.
    public struct CalendarSpending: Sendable, Hashable {
        /// The day at which the whole of α is spent (τ = 1).
        public var horizonDays: Double
        /// The day of each earlier look, in the order of ``AlphaSpendingPlan/earlierLooks``.
        public var earlierDays: [Double]
        /// The day of the current look.
        public var days: Double

        /// Creates the calendar of a plan.
        /// - Parameters:
        ///   - horizonDays: The day at which α is fully spent, > 0, fixed before the data.
        ///   - earlierDays: The day of each earlier look, aligned with the plan's `earlierLooks`.
        ///   - days: The day of the current look.
        public init(horizonDays: Double, earlierDays: [Double], days: Double) {
            self.horizonDays = horizonDays
            self.earlierDays = earlierDays
            self.days = days
        }
    }

    /// Creates a plan.
    /// - Parameters:
    ///   - spending: Spending function, default O'Brien–Fleming type.
    ///   - maximumUnits: Units (both arms) at which α is fully spent.
    ///   - earlierLooks: Units at the earlier looks.
    ///   - watchShare: The share of α one-sided tests give to the always-valid watch, in [0, 1); default 0 (none).
    ///   - calendar: Calendar-time spending, `nil` (the default) for the information fraction.
    public init(spending: SpendingFunction = .obrienFleming, maximumUnits: Double, earlierLooks: [Double] = [], watchShare: Double = 0, calendar: CalendarSpending? = nil) {
        self.spending = spending
        self.maximumUnits = maximumUnits
        self.earlierLooks = earlierLooks
        self.watchShare = watchShare
        self.calendar = calendar
    }

    /// The looks up to and including one at `units` with their spending fractions.
    ///
    /// Information fraction: earlier looks strictly below `units`, sorted and deduplicated, then `units`; τ = t/t_max.
    /// Calendar: the same looks, each at the earliest day it was reached (a look that adds no units is not a new
    /// look: it decides nothing new and the α of its day is carried to the next look that adds units); the current
    /// look at its day unless an earlier look had the same units; τ = day/horizon.
    func schedule(through units: Double) -> (looks: [Double], fractions: [Double]) {
        // An earlier look within rounding of the current units (a scaled count, ``SequentialLooks``) is the same look:
        // a near-zero increment would add nothing but a needlessly fine grid.
        let same = units * (1 - 1e-9)
        guard let calendar else {
            let looks = Array(Set(earlierLooks.filter { $0 > 0 && $0 < same })).sorted() + [units]
            return (looks, looks.map { $0 / maximumUnits })
        }
        var firstDay: [Double: Double] = [:]
        for (look, day) in zip(earlierLooks, calendar.earlierDays) where look > 0 && look <= units / (1 - 1e-9) {
            let key = look >= same ? units : look
            firstDay[key] = min(firstDay[key] ?? day, day)
        }
        let current = min(firstDay[units] ?? calendar.days, calendar.days)
        firstDay[units] = nil
        let earlier = firstDay.keys.sorted()
        // Days never go back along increasing units (cumulative units grow with time).
        var days: [Double] = []
        for look in earlier { days.append(max(days.last ?? 0, firstDay[look] ?? 0)) }
        days.append(max(days.last ?? 0, current))
        return (earlier + [units], days.map { $0 / calendar.horizonDays })
    }

    /// The spending fractions of future looks after the plan's looks: information fraction, or one day apart after
    /// the current look's day (calendar).
    func fractions(future looks: [Double]) -> [Double] {
        guard let calendar else { return looks.map { $0 / maximumUnits } }
        let last = max(calendar.days, calendar.earlierDays.max() ?? 0)
        return looks.indices.map { (last + Double($0 + 1)) / calendar.horizonDays }
    }

    /// Daily looks: the cumulative units at the end of each day before the current one.
    /// - Parameter cumulativeUnits: Units (both arms) at the end of day 1, 2, …
    public static func dailyLooks(_ cumulativeUnits: [Int]) -> [Double] {
        cumulativeUnits.map(Double.init)
    }

    /// The reason the plan is unusable, or `nil`.
    var problem: DegenerateReason? {
        guard maximumUnits.isFinite, maximumUnits > 0 else {
            return .invalidSetting("maximumUnits must be positive")
        }
        guard earlierLooks.allSatisfy(\.isFinite) else { return .nonFiniteInput(field: "earlierLooks") }
        guard watchShare.isFinite, watchShare >= 0, watchShare < 1 else { return .invalidSetting("watchShare must lie in [0, 1)") }
        if let calendar {
            guard calendar.horizonDays.isFinite, calendar.horizonDays > 0 else { return .invalidSetting("horizonDays must be positive") }
            guard calendar.earlierDays.count == earlierLooks.count else {
                return .invalidSetting("calendar.earlierDays must give one day per earlier look")
            }
            guard calendar.days.isFinite, calendar.earlierDays.allSatisfy(\.isFinite) else { return .nonFiniteInput(field: "calendar days") }
        }
        return nil
    }
}
