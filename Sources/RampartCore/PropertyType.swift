/// The type of a known event property.
public enum PropertyType: Sendable, Hashable {
    case string
    case number
    case integer
    case boolean
    /// A string restricted to the listed values.
    case oneOf([String])

    /// Whether values of this type can be summed or ranked by a metric (booleans count as 0 or 1).
    public var isNumeric: Bool {
        switch self {
        case .number, .integer, .boolean: return true
        case .string, .oneOf: return false
        }
    }

    /// A short name for messages, e.g. `a number`.
    public var description: String {
        switch self {
        case .string: return "a string"
        case .number: return "a number"
        case .integer: return "a whole number"
        case .boolean: return "true or false"
        case .oneOf(let values): return "one of " + values.joined(separator: ", ")
        }
    }
}
