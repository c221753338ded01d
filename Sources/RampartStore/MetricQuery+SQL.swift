import GRDB
import RampartCore

extension MetricQuery {
    /// A fragment of SQL with its arguments.
    struct Fragment {
        var sql: String
        var arguments: [any DatabaseValueConvertible & Sendable]
    }

    /// The SQL expression that reads a property of `events AS e`: its typed column, or `json_extract` on `props`.
    static func column(_ property: String) throws -> Fragment {
        if EventColumns.index[property] != nil { return Fragment(sql: "e.\(property)", arguments: []) }
        guard !property.isEmpty, !property.contains("\""), !property.contains("\\") else {
            throw RampartError(.invalidInput, "property name '\(property)' cannot be queried (it is empty or contains a quote or backslash)")
        }
        return Fragment(sql: "json_extract(e.props, ?)", arguments: ["$.\"\(property)\""])
    }

    /// The `WHERE` condition of the filter, `1` when there is none.
    func filterSQL() throws -> Fragment {
        var parts: [String] = []
        var arguments: [any DatabaseValueConvertible & Sendable] = []
        for property in filter.keys.sorted() {
            let condition = filter[property]!
            if case .object(let operators) = condition {
                for op in operators.keys.sorted() {
                    let piece = try Self.comparison(property, op, operators[op]!)
                    parts.append(piece.sql)
                    arguments += piece.arguments
                }
            } else {
                let piece = try Self.comparison(property, "$eq", condition)
                parts.append(piece.sql)
                arguments += piece.arguments
            }
        }
        return Fragment(sql: parts.isEmpty ? "1" : parts.map { "(\($0))" }.joined(separator: " AND "), arguments: arguments)
    }

    /// One operator as SQL. Missing properties are NULL: they match `$ne`, `$nin` and `$exists: false` only.
    static func comparison(_ property: String, _ op: String, _ operand: JSONValue) throws -> Fragment {
        let column = try column(property)
        func scalar(_ value: JSONValue) throws -> any DatabaseValueConvertible & Sendable {
            switch value {
            case .string(let s): return s
            case .number(let n): return n
            case .bool(let b): return b ? 1 : 0
            case .null: return DatabaseValue.null
            case .array, .object:
                throw RampartError(.invalidInput, "filter on '\(property)': \(op) expects a string, number or boolean, found \(value.typeName)")
            }
        }
        func binary(_ sqlOperator: String) throws -> Fragment {
            Fragment(sql: "\(column.sql) \(sqlOperator) ?", arguments: column.arguments + [try scalar(operand)])
        }
        switch op {
        case "$eq": return operand.isNull ? Fragment(sql: "\(column.sql) IS NULL", arguments: column.arguments) : try binary("=")
        case "$ne": return try binary("IS NOT")
        case "$gt": return try binary(">")
        case "$gte": return try binary(">=")
        case "$lt": return try binary("<")
        case "$lte": return try binary("<=")
        case "$exists":
            guard let exists = operand.boolValue else {
                throw RampartError(.invalidInput, "filter on '\(property)': $exists expects true or false")
            }
            return Fragment(sql: "\(column.sql) IS \(exists ? "NOT " : "")NULL", arguments: column.arguments)
        case "$in", "$nin":
            guard let items = operand.arrayValue else {
                throw RampartError(.invalidInput, "filter on '\(property)': \(op) expects a list")
            }
            if items.isEmpty { return Fragment(sql: op == "$in" ? "0" : "1", arguments: []) }
            let values = try items.map(scalar)
            let marks = Array(repeating: "?", count: values.count).joined(separator: ", ")
            if op == "$in" {
                return Fragment(sql: "\(column.sql) IN (\(marks))", arguments: column.arguments + values)
            }
            return Fragment(sql: "\(column.sql) IS NULL OR \(column.sql) NOT IN (\(marks))", arguments: column.arguments + column.arguments + values)
        default:
            throw RampartError(.invalidInput, "filter on '\(property)': unknown operator \(op) (allowed: $eq $ne $in $nin $gt $gte $lt $lte $exists)")
        }
    }

    /// The per-unit aggregate over a unit's matching events, capped when ``cap`` is set.
    func aggregateSQL() throws -> Fragment {
        var fragment: Fragment
        switch aggregation {
        case .indicator: fragment = Fragment(sql: "1", arguments: [])
        case .count: fragment = Fragment(sql: "count(*)", arguments: [])
        case .sum:
            guard let value else {
                throw RampartError(.invalidInput, "metric on '\(event)': a sum needs a value property")
            }
            let column = try Self.column(value)
            fragment = Fragment(sql: "total(\(column.sql))", arguments: column.arguments)
        }
        if let cap {
            fragment = Fragment(sql: "min(\(fragment.sql), ?)", arguments: fragment.arguments + [cap])
        }
        return fragment
    }
}
