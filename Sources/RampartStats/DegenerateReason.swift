/// Why a statistic could not be computed.
///
/// Every result type in this module carries an optional `problem` of this type. When it
/// is set, the numbers it would have explained are `nil`: the module never returns a NaN
/// or a made-up value in their place.
public enum DegenerateReason: Error, Sendable, Hashable, CustomStringConvertible {
    /// A variant has no units at all.
    case noUnits
    /// A variant has fewer units than the method needs (for example 2 for a sample variance).
    case tooFewUnits(required: Int, actual: Int)
    /// The variance of the estimate is zero, so no interval or p-value exists.
    case zeroVariance
    /// A ratio metric's denominator sums to zero.
    case zeroDenominator
    /// The control mean is zero, so a relative effect is undefined.
    case zeroControlMean
    /// An input field is NaN or infinite.
    case nonFiniteInput(field: String)
    /// An input is inconsistent (negative count, sum of squares below what the sum allows, ...).
    case invalidInput(String)
    /// A setting is out of range (alpha outside (0, 1), a negative margin, ...).
    case invalidSetting(String)
    /// The empirical distribution used to map a quantile interval back to values is empty.
    case emptyDistribution
    /// A numerical routine in GSL failed to produce a finite value.
    case numericalFailure(String)

    public var description: String {
        switch self {
        case .noUnits: "a variant has no units"
        case .tooFewUnits(let required, let actual): "needs at least \(required) units per variant, got \(actual)"
        case .zeroVariance: "the estimate has zero variance"
        case .zeroDenominator: "the ratio denominator sums to zero"
        case .zeroControlMean: "the control mean is zero, so a relative effect is undefined"
        case .nonFiniteInput(let field): "input \(field) is NaN or infinite"
        case .invalidInput(let message): "invalid input: \(message)"
        case .invalidSetting(let message): "invalid setting: \(message)"
        case .emptyDistribution: "the empirical distribution is empty"
        case .numericalFailure(let message): "numerical failure: \(message)"
        }
    }
}
