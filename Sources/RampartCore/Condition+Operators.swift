extension Condition {
    /// An operator a condition may use, by its `$`-name.
    ///
    /// `$and`, `$or`, `$nor` combine conditions and are valid only where an attribute name could be;
    /// `$not` is valid both there (negating a condition) and under an attribute (negating a value test);
    /// every other operator tests an attribute's value.
    enum Operator: String, Sendable, CaseIterable {
        case and = "$and", or = "$or", nor = "$nor", not = "$not"
        case eq = "$eq", ne = "$ne", lt = "$lt", lte = "$lte", gt = "$gt", gte = "$gte"
        case exists = "$exists", type = "$type"
        case `in` = "$in", nin = "$nin", ini = "$ini", nini = "$nini"
        case all = "$all", alli = "$alli", elemMatch = "$elemMatch", size = "$size"
        case regex = "$regex", regexi = "$regexi"
        case veq = "$veq", vne = "$vne", vgt = "$vgt", vgte = "$vgte", vlt = "$vlt", vlte = "$vlte"
        case inGroup = "$inGroup", notInGroup = "$notInGroup"

        /// Whether this operator combines whole conditions rather than testing a value.
        var isLogical: Bool {
            switch self {
            case .and, .or, .nor: return true
            default: return false
            }
        }

        /// Whether this operator may appear under an attribute, testing its value.
        var isValueOperator: Bool { !isLogical }

        /// The type names `$type` accepts.
        static let typeNames: Set<String> = ["string", "number", "boolean", "null", "array", "object"]
    }

    /// Whether `members` is an operator object: non-empty, with every key starting with `$`.
    ///
    /// Any other object under an attribute is a literal the attribute must equal.
    static func isOperatorObject(_ members: [String: JSONValue]) -> Bool {
        !members.isEmpty && members.keys.allSatisfy { $0.utf8.first == UInt8(ascii: "$") }
    }
}
