/// How a probability is turned into an order-statistic rank.
public enum RankRounding: Sendable, Hashable {
    /// Rank ⌊N·p⌋ (used for lower bounds).
    case down
    /// Rank ⌈N·p⌉ (used for upper bounds and point estimates).
    case up
}
