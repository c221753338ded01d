import Foundation
import RampartCore

/// A ``MetricQuery`` as PostgreSQL SQL over `events AS e`, with SQLite's semantics (``MetricQuery/filterSQL()``,
/// ``MetricQuery/aggregateSQL()``): typed columns compare as SQLite compares them with a bound value; other
/// properties are read from `props` with booleans as 1 and 0 (`rampart_prop`), compared as jsonb values.
struct PostgresMetricSQL {
    typealias Statement = PostgresEventStore.Statement
    typealias Value = PostgresEventStore.Value

    /// A property: a typed column, or a jsonb value of `props`.
    enum Column {
        case typed(name: String, storage: EventColumns.Storage)
        case json(key: String)

        init(_ property: String) throws {
            if EventColumns.index[property] != nil, let column = EventColumns.v1.first(where: { $0.name == property }) {
                self = .typed(name: property, storage: column.storage)
                return
            }
            guard !property.isEmpty, !property.contains("\""), !property.contains("\\") else {
                throw RampartError(.invalidInput, "property name '\(property)' cannot be queried (it is empty or contains a quote or backslash)")
            }
            self = .json(key: property)
        }

        /// The expression, with its values.
        var expression: Statement {
            switch self {
            case .typed(let name, _): return Statement("e.\(name)")
            case .json(let key): return Statement("rampart_prop(e.props, ?)", [.text(key)])
            }
        }

        /// The property as a number, as SQLite's `total()` reads it.
        var number: Statement {
            switch self {
            case .typed(let name, .text): return Statement("rampart_text_number(e.\(name))")
            case .typed(let name, _): return Statement("e.\(name)::double precision")
            case .json(let key): return Statement("rampart_number(rampart_prop(e.props, ?))", [.text(key)])
            }
        }

        /// The property as a value to rank (quantiles, histograms): numbers only, NULL otherwise.
        var rankable: Statement {
            switch self {
            case .typed(let name, .text): return Statement("(CASE WHEN e.\(name) IS NOT NULL THEN NULL::double precision END)")
            case .typed(let name, _): return Statement("e.\(name)::double precision")
            case .json(let key): return Statement("rampart_rankable(rampart_prop(e.props, ?))", [.text(key)])
            }
        }
    }

    /// The `WHERE` condition of a filter, `TRUE` when there is none.
    static func filter(_ query: MetricQuery) throws -> Statement {
        var parts: [String] = []
        var values: [Value] = []
        for property in query.filter.keys.sorted() {
            let condition = query.filter[property]!
            let pieces: [Statement]
            if case .object(let operators) = condition {
                pieces = try operators.keys.sorted().map { try comparison(property, $0, operators[$0]!) }
            } else {
                pieces = [try comparison(property, "$eq", condition)]
            }
            for piece in pieces {
                parts.append(piece.sql)
                values += piece.values
            }
        }
        return Statement(parts.isEmpty ? "TRUE" : parts.map { "(\($0))" }.joined(separator: " AND "), values)
    }

    /// An operand as SQLite would compare it with the column: `nil` when it can never equal a value of the
    /// column's kind (text against a numeric column), with `before` telling whether it sorts after every number.
    static func operand(_ value: JSONValue, for column: Column, property: String, op: String) throws -> Statement? {
        switch value {
        case .array, .object:
            throw RampartError(.invalidInput, "filter on '\(property)': \(op) expects a string, number or boolean, found \(value.typeName)")
        case .null: return Statement("NULL")
        default: break
        }
        switch column {
        case .json:
            var bytes: [UInt8] = []
            let scalar: JSONValue = value.boolValue.map { .number($0 ? 1 : 0) } ?? value
            scalar.appendJSON(to: &bytes)
            return Statement("?::jsonb", [.text(String(decoding: bytes, as: UTF8.self))])
        case .typed(_, .text):
            switch value {
            case .string(let s): return Statement("?::text", [.text(s)])
            case .number(let n): return Statement("?::text", [.text(sqliteText(n))])
            case .bool(let b): return Statement("?::text", [.text(b ? "1" : "0")])
            default: return nil
            }
        case .typed(_, let storage):
            let number: Double?
            switch value {
            case .number(let n): number = n
            case .bool(let b): number = b ? 1 : 0
            case .string(let s): number = Double(s.trimmingCharacters(in: .whitespaces))
            default: number = nil
            }
            guard let number else { return nil }
            _ = storage
            return Statement("?::double precision", [.double(number)])
        }
    }

    /// How SQLite writes a REAL as text (a whole number keeps `.0`).
    static func sqliteText(_ n: Double) -> String {
        if n == n.rounded(), abs(n) < 1e15 { return String(Int64(n)) + ".0" }
        return "\(n)"
    }

    /// One operator; missing properties are NULL and match `$ne`, `$nin` and `$exists: false` only.
    static func comparison(_ property: String, _ op: String, _ operand: JSONValue) throws -> Statement {
        let column = try Column(property)
        let c = column.expression
        // Text against a numeric column: never equal, and (SQLite orders numbers before text) greater than every number.
        func binary(_ sqlOperator: String) throws -> Statement {
            guard let value = try self.operand(operand, for: column, property: property, op: op) else {
                switch sqlOperator {
                case "<", "<=": return Statement("\(c.sql) IS NOT NULL", c.values)
                case "IS DISTINCT FROM": return Statement("TRUE")
                default: return Statement("FALSE")
                }
            }
            return Statement("\(c.sql) \(sqlOperator) \(value.sql)", c.values + value.values)
        }
        switch op {
        case "$eq": return operand.isNull ? Statement("\(c.sql) IS NULL", c.values) : try binary("=")
        case "$ne": return try binary("IS DISTINCT FROM")
        case "$gt": return try binary(">")
        case "$gte": return try binary(">=")
        case "$lt": return try binary("<")
        case "$lte": return try binary("<=")
        case "$exists":
            guard let exists = operand.boolValue else {
                throw RampartError(.invalidInput, "filter on '\(property)': $exists expects true or false")
            }
            return Statement("\(c.sql) IS \(exists ? "NOT " : "")NULL", c.values)
        case "$in", "$nin":
            guard let items = operand.arrayValue else {
                throw RampartError(.invalidInput, "filter on '\(property)': \(op) expects a list")
            }
            let operands = try items.compactMap { try self.operand($0, for: column, property: property, op: op) }
            if operands.isEmpty { return Statement(op == "$in" ? "FALSE" : "TRUE") }
            let list = operands.map(\.sql).joined(separator: ", ")
            let values = operands.flatMap(\.values)
            if op == "$in" { return Statement("\(c.sql) IN (\(list))", c.values + values) }
            return Statement("\(c.sql) IS NULL OR \(c.sql) NOT IN (\(list))", c.values + c.values + values)
        default:
            throw RampartError(.invalidInput, "filter on '\(property)': unknown operator \(op) (allowed: $eq $ne $in $nin $gt $gte $lt $lte $exists)")
        }
    }

    /// The per-unit aggregate over a unit's matching events, capped when the query has a cap.
    static func aggregate(_ query: MetricQuery) throws -> Statement {
        var fragment: Statement
        switch query.aggregation {
        case .indicator: fragment = Statement("1::double precision")
        case .count: fragment = Statement("count(*)::double precision")
        case .sum:
            guard let value = query.value else {
                throw RampartError(.invalidInput, "metric on '\(query.event)': a sum needs a value property")
            }
            let number = try Column(value).number
            fragment = Statement("coalesce(sum(\(number.sql)), 0)", number.values)
        }
        if let cap = query.cap {
            fragment = Statement("least(\(fragment.sql), ?::double precision)", fragment.values + [.double(cap)])
        }
        return fragment
    }

    /// A unit's aggregate over its events meeting the query's filter, among all its events of the name (`FILTER`):
    /// NULL when none meets it, else ``aggregate(_:)``'s value over those events.
    ///
    /// - Parameters:
    ///   - query: The metric.
    ///   - scope: Conditions every counted event must also meet (its name, its time against the exposure), none
    ///     when empty.
    static func filteredAggregate(_ query: MetricQuery, scope: Statement = Statement("")) throws -> Statement {
        var filter = try self.filter(query)
        if !scope.sql.isEmpty { filter = Statement("\(scope.sql) AND (\(filter.sql))", scope.values + filter.values) }
        let matching = Statement("count(*) FILTER (WHERE \(filter.sql))", filter.values)
        var value: Statement
        switch query.aggregation {
        case .indicator: value = Statement("1::double precision")
        case .count: value = Statement("\(matching.sql)::double precision", matching.values)
        case .sum:
            guard let property = query.value else {
                throw RampartError(.invalidInput, "metric on '\(query.event)': a sum needs a value property")
            }
            let number = try Column(property).number
            value = Statement("coalesce(sum(\(number.sql)) FILTER (WHERE \(filter.sql)), 0)", number.values + filter.values)
        }
        if let cap = query.cap {
            value = Statement("least(\(value.sql), ?::double precision)", value.values + [.double(cap)])
        }
        return Statement("CASE WHEN \(matching.sql) > 0 THEN \(value.sql) END", matching.values + value.values)
    }
}
