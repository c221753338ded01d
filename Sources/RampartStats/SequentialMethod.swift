/// Which always-valid design a sequential test uses.
public enum SequentialMethod: Sendable, Hashable {
    /// The normal-mixture confidence sequence (Waudby-Smith et al.), tuned by `sequentialTuning`:
    /// valid at any number of looks at any times, no plan needed.
    case mixture
    /// Group-sequential α-spending (Lan–DeMets) over the information fraction units/maximumUnits,
    /// boundaries by recursive numerical integration at the actual looks.
    case alphaSpending(AlphaSpendingPlan)

    /// The name used in experiment files and reports.
    public var name: String {
        switch self {
        case .mixture: "mixture"
        case .alphaSpending: "alpha-spending"
        }
    }
}
