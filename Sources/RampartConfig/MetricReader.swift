import RampartCore
import Yams

/// Reads the `metrics` list of an experiment file.
enum MetricReader {
    static let keys: Set<String> = [
        "key", "name", "role", "kind", "event", "filter", "value", "numerator", "denominator", "quantile",
        "direction", "threshold", "winsorize", "cuped_window_days", "segments",
    ]

    static func read(_ node: Node, reader: inout YAMLReader) -> [MetricDefinition]? {
        guard let items = reader.sequence(node, at: "metrics") else { return nil }
        return items.enumerated().compactMap { index, item in
            readOne(item, at: "metrics[\(index)]", reader: &reader)
        }
    }

    private static func readOne(_ node: Node, at field: String, reader: inout YAMLReader) -> MetricDefinition? {
        guard let m = reader.mapping(node, at: field, allowed: keys) else { return nil }
        for required in ["key", "kind"] where m[required] == nil {
            reader.fail("\(field).\(required)", "is required", at: node)
        }
        guard let key = reader.string(m["key"], at: "\(field).key"),
            let kind = reader.enumeration(m["kind"], at: "\(field).kind", as: MetricKind.self)
        else { return nil }
        var filter: [String: JSONValue] = [:]
        if let f = m["filter"] {
            if let object = reader.json(f, at: "\(field).filter")?.objectValue {
                filter = object
            } else {
                reader.fail("\(field).filter", "expected a mapping of property names to conditions", at: f)
            }
        }
        return MetricDefinition(
            key: key,
            name: reader.string(m["name"], at: "\(field).name"),
            role: reader.enumeration(m["role"], at: "\(field).role", as: MetricRole.self),
            kind: kind,
            event: reader.string(m["event"], at: "\(field).event"),
            filter: filter,
            value: reader.string(m["value"], at: "\(field).value"),
            numerator: reader.string(m["numerator"], at: "\(field).numerator"),
            denominator: reader.string(m["denominator"], at: "\(field).denominator"),
            quantile: reader.number(m["quantile"], at: "\(field).quantile"),
            direction: reader.enumeration(m["direction"], at: "\(field).direction", as: MetricDirection.self) ?? .increase,
            threshold: m["threshold"].flatMap { readThreshold($0, at: "\(field).threshold", reader: &reader) },
            winsorize: reader.number(m["winsorize"], at: "\(field).winsorize"),
            cupedWindowDays: reader.number(m["cuped_window_days"], at: "\(field).cuped_window_days"),
            segments: m["segments"].flatMap { readSegmentGuardrails($0, at: "\(field).segments", reader: &reader) }
        )
    }

    private static func readThreshold(_ node: Node, at field: String, reader: inout YAMLReader) -> GuardrailThreshold? {
        let allowed: Set<String> = ["relative_margin", "absolute_margin", "ceiling"]
        guard let t = reader.mapping(node, at: field, allowed: allowed) else { return nil }
        guard t.count == 1, let (name, valueNode) = t.first else {
            reader.fail(field, "give exactly one of relative_margin, absolute_margin or ceiling", at: node)
            return nil
        }
        guard let value = reader.number(valueNode, at: "\(field).\(name)") else { return nil }
        switch name {
        case "relative_margin": return .relativeMargin(value)
        case "absolute_margin": return .absoluteMargin(value)
        default: return .ceiling(value)
        }
    }
}
