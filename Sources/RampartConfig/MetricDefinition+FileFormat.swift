import RampartCore

extension MetricDefinition {
    /// The metric as an entry of an experiment file's `metrics` list (docs/experiment-format.md).
    public var fileFormat: JSONValue {
        var object: [String: JSONValue] = [
            "key": .string(key),
            "name": .string(name),
            "kind": .string(kind.rawValue),
            "direction": .string(direction.rawValue),
        ]
        object["role"] = role.map { .string($0.rawValue) }
        object["event"] = event.map(JSONValue.string)
        if !filter.isEmpty { object["filter"] = .object(filter) }
        object["value"] = value.map(JSONValue.string)
        object["numerator"] = numerator.map(JSONValue.string)
        object["denominator"] = denominator.map(JSONValue.string)
        object["quantile"] = quantile.map(JSONValue.number)
        object["threshold"] = threshold.map { threshold in
            switch threshold {
            case .relativeMargin(let x): return ["relative_margin": .number(x)]
            case .absoluteMargin(let x): return ["absolute_margin": .number(x)]
            case .ceiling(let x): return ["ceiling": .number(x)]
            }
        }
        object["winsorize"] = winsorize.map(JSONValue.number)
        object["cuped_window_days"] = cupedWindowDays.map(JSONValue.number)
        object["segments"] = segments.map { .object($0.mapValues { .array($0.map(JSONValue.string)) }) }
        return .object(object)
    }
}
