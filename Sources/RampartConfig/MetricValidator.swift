import RampartCore

/// Checks metric definitions: kinds and their required fields, references between metrics, properties, thresholds.
enum MetricValidator {
    /// The operators a metric filter may use; they translate to SQL.
    static let filterOperators: Set<String> = ["$eq", "$ne", "$in", "$nin", "$gt", "$gte", "$lt", "$lte", "$exists"]

    static func check(_ metrics: [MetricDefinition], reader: inout YAMLReader) {
        var byKey: [String: MetricDefinition] = [:]
        for (index, metric) in metrics.enumerated() {
            if byKey[metric.key] != nil {
                reader.fail("metrics[\(index)].key", "duplicate metric '\(metric.key)'", at: nil)
            } else {
                byKey[metric.key] = metric
            }
        }
        let primaries = metrics.indices.filter { metrics[$0].role == .primary }
        if !metrics.isEmpty, primaries.isEmpty {
            reader.fail("metrics", "no metric has role primary; exactly one must", at: nil)
        }
        for index in primaries.dropFirst() {
            reader.fail("metrics[\(index)].role", "only one metric may be primary ('\(metrics[primaries[0]].key)' already is)", at: nil)
        }
        for (index, metric) in metrics.enumerated() {
            checkOne(metric, at: "metrics[\(index)]", byKey: byKey, reader: &reader)
        }
    }

    private static func checkOne(_ m: MetricDefinition, at field: String, byKey: [String: MetricDefinition], reader: inout YAMLReader) {
        switch m.kind {
        case .ratio:
            for (name, reference) in [("numerator", m.numerator), ("denominator", m.denominator)] {
                guard let reference else {
                    reader.fail("\(field).\(name)", "is required for a ratio metric", at: nil)
                    continue
                }
                guard let target = byKey[reference] else {
                    reader.fail("\(field).\(name)", "names '\(reference)', which is not a metric defined in this file", at: nil)
                    continue
                }
                if target.kind != .mean && target.kind != .proportion {
                    reader.fail("\(field).\(name)", "'\(reference)' is a \(target.kind.rawValue) metric; a ratio divides per-unit sums of mean or proportion metrics", at: nil)
                }
            }
            if m.event != nil { reader.fail("\(field).event", "a ratio reads its events through its numerator and denominator", at: nil) }
        case .proportion, .mean, .quantile:
            if m.event?.isEmpty ?? true { reader.fail("\(field).event", "is required for a \(m.kind.rawValue) metric", at: nil) }
            for (name, reference) in [("numerator", m.numerator), ("denominator", m.denominator)] where reference != nil {
                reader.fail("\(field).\(name)", "only ratio metrics have a \(name)", at: nil)
            }
        }
        if m.kind == .quantile {
            if m.value == nil { reader.fail("\(field).value", "is required for a quantile metric: the property to rank", at: nil) }
            if let q = m.quantile {
                if !(q > 0 && q < 1) { reader.fail("\(field).quantile", "must be in (0, 1), found \(q)", at: nil) }
            } else {
                reader.fail("\(field).quantile", "is required for a quantile metric, e.g. 0.95", at: nil)
            }
        } else if m.quantile != nil {
            reader.fail("\(field).quantile", "only quantile metrics have a quantile", at: nil)
        }
        if m.kind == .proportion, m.value != nil {
            reader.fail("\(field).value", "a proportion counts units with a matching event; use filter to select events", at: nil)
        }
        if let value = m.value, let type = KnownProperties.types[value], !type.isNumeric {
            reader.fail("\(field).value", "'\(value)' is \(type.description), not a number", at: nil)
        }
        checkThreshold(m, at: field, reader: &reader)
        if let cap = m.winsorize, !(cap > 0) { reader.fail("\(field).winsorize", "must be positive, found \(cap)", at: nil) }
        if let days = m.cupedWindowDays, !(days >= 0) {
            reader.fail("\(field).cuped_window_days", "must be 0 (CUPED off) or a positive number of days, found \(days)", at: nil)
        }
        if let days = m.cupedWindowDays, days > 0, m.kind == .ratio || m.kind == .quantile {
            reader.fail("\(field).cuped_window_days", "CUPED applies to mean and proportion metrics; it is ignored on a \(m.kind.rawValue) metric", at: nil, severity: .warning)
        }
        for (property, condition) in m.filter {
            checkFilter(property, condition, at: "\(field).filter.\(property)", reader: &reader)
        }
    }

    private static func checkThreshold(_ m: MetricDefinition, at field: String, reader: inout YAMLReader) {
        if m.role == .guardrail, m.threshold == nil {
            reader.fail("\(field).threshold", "a guardrail needs a threshold: relative_margin, absolute_margin or ceiling", at: nil)
        }
        guard let threshold = m.threshold else { return }
        if m.role != .guardrail {
            reader.fail("\(field).threshold", "only guardrail metrics use a threshold", at: nil, severity: .warning)
        }
        switch threshold {
        case .relativeMargin(let x), .absoluteMargin(let x):
            if !(x >= 0) { reader.fail("\(field).threshold", "a margin must not be negative, found \(x)", at: nil) }
        case .ceiling:
            if m.kind == .proportion, !(0...1).contains(threshold.amount) {
                reader.fail("\(field).threshold.ceiling", "a proportion's ceiling must be between 0 and 1", at: nil)
            }
        }
    }

    private static func checkFilter(_ property: String, _ condition: JSONValue, at field: String, reader: inout YAMLReader) {
        let type = KnownProperties.types[property]
        guard case .object(let operators) = condition else {
            checkType(condition, type: type, property: property, at: field, reader: &reader)
            return
        }
        for (op, operand) in operators {
            guard filterOperators.contains(op) else {
                reader.fail("\(field).\(op)", "unknown filter operator (allowed: \(filterOperators.sorted().joined(separator: ", ")))", at: nil)
                continue
            }
            switch op {
            case "$in", "$nin":
                guard let items = operand.arrayValue else {
                    reader.fail("\(field).\(op)", "expected a list", at: nil)
                    continue
                }
                for item in items { checkType(item, type: type, property: property, at: "\(field).\(op)", reader: &reader) }
            case "$exists":
                if operand.boolValue == nil { reader.fail("\(field).\(op)", "expected true or false", at: nil) }
            case "$gt", "$gte", "$lt", "$lte":
                if operand.numberValue == nil { reader.fail("\(field).\(op)", "expected a number", at: nil) }
            default:
                checkType(operand, type: type, property: property, at: "\(field).\(op)", reader: &reader)
            }
        }
    }

    private static func checkType(_ value: JSONValue, type: PropertyType?, property: String, at field: String, reader: inout YAMLReader) {
        guard let type else { return }
        let ok: Bool
        switch (type, value) {
        case (.string, .string), (.number, .number), (.boolean, .bool): ok = true
        case (.integer, .number(let n)): ok = n == n.rounded()
        case (.oneOf(let allowed), .string(let s)): ok = allowed.contains(s)
        default: ok = false
        }
        if !ok { reader.fail(field, "'\(property)' is \(type.description)", at: nil) }
    }
}
