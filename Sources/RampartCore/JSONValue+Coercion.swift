// JavaScript's type coercions, restricted to JSON values. GrowthBook's conditions are defined by its
// JavaScript SDK, where `value + ""`, `value * 1` and `!!value` decide many comparisons, so these are
// what make Rampart agree with it on mixed types.

extension JSONValue {
    /// The string JavaScript's `String(value)` produces.
    ///
    /// Arrays join their elements with commas (`null` elements as empty strings) and objects read as
    /// `"[object Object]"`, as in JavaScript.
    var javaScriptString: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n.javaScriptString
        case .string(let s): return s
        case .array(let elements):
            return elements.lazy.map { $0.isNull ? "" : $0.javaScriptString }.joined(separator: ",")
        case .object: return "[object Object]"
        }
    }

    /// The number JavaScript's `Number(value)` produces: `null` is 0, booleans are 0 or 1, strings are
    /// parsed, arrays go through their string form, and objects are `NaN`.
    var javaScriptNumber: Double {
        switch self {
        case .null: return 0
        case .bool(let b): return b ? 1 : 0
        case .number(let n): return n
        case .string(let s): return s.javaScriptNumber
        case .array: return javaScriptString.javaScriptNumber
        case .object: return .nan
        }
    }

    /// Whether JavaScript treats this value as true in a boolean context (`!!value`).
    var isJavaScriptTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let b): return b
        case .number(let n): return n != 0 && !n.isNaN
        case .string(let s): return !s.isEmpty
        case .array, .object: return true
        }
    }

    /// The type name GrowthBook's `$type` operator compares with: `string`, `number`, `boolean`, `null`,
    /// `array` or `object`.
    var conditionTypeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// The value JavaScript's relational operators (`<`, `>=`, …) actually compare: a string, or a number.
    ///
    /// Arrays and objects become strings (`ToPrimitive`); `null` and booleans become numbers.
    var relationalPrimitive: RelationalPrimitive {
        switch self {
        case .string(let s): return .string(s)
        case .array, .object: return .string(javaScriptString)
        default: return .number(javaScriptNumber)
        }
    }
}

/// A value reduced to what JavaScript's relational comparison sees.
enum RelationalPrimitive: Sendable {
    case string(String)
    case number(Double)

    /// The number this primitive converts to when compared with a number.
    var number: Double {
        switch self {
        case .string(let s): return s.javaScriptNumber
        case .number(let n): return n
        }
    }
}
