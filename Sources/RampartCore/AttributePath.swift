/// A dotted path into a unit's attributes, such as `"country"` or `"father.age"`.
///
/// Each component names an object member. As in GrowthBook's JavaScript SDK, a component may also
/// index an array (`"tags.0"`) or read its `length`; a path that leads nowhere reads as `null`.
struct AttributePath: Sendable, Hashable {
    /// The components, in order from the root.
    let components: [String]

    /// Splits `path` on every `.`; there is no escaping, so member names cannot contain dots.
    init(_ path: String) {
        components = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    /// The value at this path in `root`, or `.null` when some component is missing.
    func value(in root: JSONValue) -> JSONValue {
        var current = root
        for component in components {
            switch current {
            case .object(let members):
                guard let member = members[component] else { return .null }
                current = member
            case .array(let elements):
                if component == "length" {
                    current = .number(Double(elements.count))
                } else if let index = Self.arrayIndex(component), index < elements.count {
                    current = elements[index]
                } else {
                    return .null
                }
            default:
                return .null
            }
        }
        return current
    }

    /// The array index a component names: canonical decimal digits only (`"0"`, `"12"`, not `"01"`).
    private static func arrayIndex(_ component: String) -> Int? {
        let digits = component.utf8
        guard let first = digits.first, digits.count <= 9,
            digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            first != UInt8(ascii: "0") || digits.count == 1
        else { return nil }
        return Int(component)
    }
}
