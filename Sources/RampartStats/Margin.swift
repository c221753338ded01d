/// How much worse than control a guardrail metric may get before it counts as a regression.
///
/// The value is a non-negative tolerance in the metric's bad direction: for a
/// lower-is-better metric `.relative(0.02)` means "may not rise by more than 2 %".
public enum Margin: Sendable, Hashable {
    /// A tolerance on the relative effect (treatment/control − 1), e.g. 0.02 for 2 %.
    case relative(Double)
    /// A tolerance on the absolute effect (treatment − control), in the metric's unit.
    case absolute(Double)

    /// The tolerance as a number.
    public var value: Double {
        switch self {
        case .relative(let value), .absolute(let value): value
        }
    }
}
