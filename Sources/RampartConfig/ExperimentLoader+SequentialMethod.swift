import RampartCore
import Yams

extension ExperimentLoader {
    /// Reads `sequential_method:`: `mixture`, `alpha_spending` (O'Brien–Fleming over calendar time, the default
    /// horizon), or `{ alpha_spending: { spending: obrien_fleming | pocock, horizon_days: N | max_units: N } }`
    /// (docs/experiment-format.md).
    static func readSequentialMethod(_ node: Node, reader: inout YAMLReader) -> SequentialDesign? {
        let field = "sequential_method"
        if node.scalar != nil {
            guard let name = reader.string(node, at: field) else { return nil }
            switch name {
            case "mixture": return .mixture
            case "alpha_spending": return .alphaSpending(spending: .obrienFleming, maxUnits: nil)
            default:
                reader.fail(field, "'\(name)' is not one of: \(SequentialDesign.names.joined(separator: ", "))", at: node)
                return nil
            }
        }
        guard node.mapping != nil else {
            reader.fail(field, "expected mixture, alpha_spending or { alpha_spending: { spending, horizon_days or max_units } }, found \(YAMLReader.describe(node))", at: node)
            return nil
        }
        guard let outer = reader.mapping(node, at: field, allowed: ["alpha_spending"]) else { return nil }
        guard let inner = outer["alpha_spending"] else {
            reader.fail(field, "expected the key alpha_spending (or the plain name mixture)", at: node)
            return nil
        }
        let path = "\(field).alpha_spending"
        if inner.tagName == .null { return .alphaSpending(spending: .obrienFleming, maxUnits: nil) }
        guard let fields = reader.mapping(inner, at: path, allowed: ["spending", "max_units", "horizon_days"]) else { return nil }
        let spending = reader.enumeration(fields["spending"], at: "\(path).spending", as: SequentialDesign.Spending.self)
        if fields["spending"] != nil, spending == nil { return nil }
        var maxUnits: Int?
        if let node = fields["max_units"] {
            guard let value = reader.integer(node, at: "\(path).max_units") else { return nil }
            guard value > 0 else {
                reader.fail("\(path).max_units", "must be a whole number of units (all variants together) greater than 0, found \(value)", at: node)
                return nil
            }
            maxUnits = value
        }
        var horizonDays: Int?
        if let node = fields["horizon_days"] {
            guard let value = reader.integer(node, at: "\(path).horizon_days") else { return nil }
            guard value > 0 else {
                reader.fail("\(path).horizon_days", "must be a whole number of days greater than 0, found \(value)", at: node)
                return nil
            }
            guard maxUnits == nil else {
                reader.fail("\(path).horizon_days", "give horizon_days (alpha spent over calendar time) or max_units (over units), not both", at: node)
                return nil
            }
            horizonDays = value
        }
        return .alphaSpending(spending: spending ?? .obrienFleming, maxUnits: maxUnits, horizonDays: horizonDays)
    }
}

extension SequentialDesign {
    /// The design in the experiment-file format: `mixture`, or `{alpha_spending: {spending, max_units | horizon_days}}`
    /// (the maximum or the horizon only when the file gives it).
    var fileFormat: JSONValue {
        switch self {
        case .mixture:
            return .string(name)
        case .alphaSpending(let spending, let maxUnits, let horizonDays):
            var inner: [String: JSONValue] = ["spending": .string(spending.rawValue)]
            inner["max_units"] = maxUnits.map { .number(Double($0)) }
            inner["horizon_days"] = horizonDays.map { .number(Double($0)) }
            return .object(["alpha_spending": .object(inner)])
        }
    }
}
