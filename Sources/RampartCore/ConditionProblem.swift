/// Something wrong with a targeting condition, found before it is ever evaluated.
///
/// `rampart validate` reports these as a broken condition. A condition with problems still evaluates
/// (GrowthBook-compatibly, or failing closed where GrowthBook's behaviour is incidental), but almost
/// certainly not as its author meant.
public struct ConditionProblem: Sendable, Hashable, CustomStringConvertible {
    /// What kind of mistake this is.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A condition, or an element of `$and`/`$or`/`$nor`, that is not a JSON object.
        case notAnObject
        /// A `$`-key that is not a known operator, such as `$regx`.
        case unknownOperator
        /// An operator whose operand has the wrong type or shape, such as `$in` with a string.
        case invalidOperand
        /// A `$regex`/`$regexi` pattern that does not compile.
        case invalidRegex
        /// A value operator such as `$in` used at condition level instead of under an attribute.
        case misplacedOperator
        /// An object mixing `$operators` with plain keys, which is compared literally instead.
        case mixedOperatorObject
        /// An attribute path with an empty component, such as `"a..b"` or `"a."`.
        case emptyPathComponent
        /// An operand that is well-formed but can never match, such as `$eq` with an array.
        case neverMatches
    }

    /// Where the problem is, as a dotted path from the condition's root: `condition.country.$in`,
    /// `condition.$or[1].age.$gt`.
    public let path: String
    /// What kind of mistake this is.
    public let kind: Kind
    /// What is wrong, for the condition's author.
    public let message: String

    /// Creates a problem report.
    ///
    /// - Parameters:
    ///   - path: Where the problem is, from the condition's root.
    ///   - kind: What kind of mistake this is.
    ///   - message: What is wrong, for the condition's author.
    public init(path: String, kind: Kind, message: String) {
        self.path = path
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
