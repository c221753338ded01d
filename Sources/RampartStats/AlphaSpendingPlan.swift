/// The design of an α-spending sequential test: spending function, maximum information and
/// the looks taken so far.
///
/// Information is counted in units (n_c + n_t for a comparison), as the mixture sequence
/// counts its time. The boundary at a look depends only on this plan and the units at the
/// look, so a report recomputed from stored events gives the same boundary every time.
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

    /// Creates a plan.
    /// - Parameters:
    ///   - spending: Spending function, default O'Brien–Fleming type.
    ///   - maximumUnits: Units (both arms) at which α is fully spent.
    ///   - earlierLooks: Units at the earlier looks.
    ///   - watchShare: The share of α one-sided tests give to the always-valid watch, in [0, 1); default 0 (none).
    public init(spending: SpendingFunction = .obrienFleming, maximumUnits: Double, earlierLooks: [Double] = [], watchShare: Double = 0) {
        self.spending = spending
        self.maximumUnits = maximumUnits
        self.earlierLooks = earlierLooks
        self.watchShare = watchShare
    }

    /// The looks up to and including one at `units`: earlier looks strictly below it, sorted
    /// and deduplicated, then `units`.
    func looks(through units: Double) -> [Double] {
        Array(Set(earlierLooks.filter { $0 > 0 && $0 < units })).sorted() + [units]
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
        return nil
    }
}
