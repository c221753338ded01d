import RampartCore
import Yams

extension ExperimentLoader {
    /// Reads `segments:` (a list of attribute names, at most ``SegmentAttributes/maxAttributes``, each once) and
    /// `segment_min_units:` (a whole number ≥ 1) into the analysis settings (docs/experiment-format.md, "Segments").
    static func readSegments(_ fields: [String: Node], into analysis: inout AnalysisSettings, reader: inout YAMLReader) {
        if let node = fields["segments"], let items = reader.sequence(node, at: "segments") {
            var names: [String] = []
            for (index, item) in items.enumerated() {
                let field = "segments[\(index)]"
                guard let name = reader.string(item, at: field) else { continue }
                if let problem = SegmentAttributes.problem(name: name) {
                    reader.fail(field, "is not a segment attribute name: \(problem)", at: item)
                } else if names.contains(name) {
                    reader.fail(field, "'\(name)' is named twice", at: item)
                } else {
                    names.append(name)
                }
            }
            if items.count > SegmentAttributes.maxAttributes {
                reader.fail("segments", "names \(items.count) attributes; at most \(SegmentAttributes.maxAttributes) may be recorded with each exposure", at: node)
            }
            analysis.segments = names
        }
        if let node = fields["segment_min_units"], let value = reader.integer(node, at: "segment_min_units") {
            if value < 1 {
                reader.fail("segment_min_units", "must be a whole number of units per variant of at least 1, found \(value)", at: node)
            } else {
                analysis.segmentMinimumUnits = value
            }
        }
    }
}

extension MetricReader {
    /// Reads a guardrail's `segments: { attribute: [value, …] }`.
    static func readSegmentGuardrails(_ node: Node, at field: String, reader: inout YAMLReader) -> [String: [String]]? {
        guard node.mapping != nil else {
            reader.fail(field, "expected a mapping of segment attributes to lists of values, e.g. { plan: [enterprise] }, found \(YAMLReader.describe(node))", at: node)
            return nil
        }
        guard let pairs = node.mapping else { return nil }
        var out: [String: [String]] = [:]
        for (keyNode, valueNode) in pairs {
            guard let attribute = reader.string(keyNode, at: field) else { continue }
            let path = "\(field).\(attribute)"
            guard let items = reader.sequence(valueNode, at: path) else { continue }
            var values: [String] = []
            for (i, item) in items.enumerated() {
                guard let value = reader.string(item, at: "\(path)[\(i)]") else { continue }
                if value.isEmpty || value.utf8.count > SegmentAttributes.maxValueBytes {
                    reader.fail("\(path)[\(i)]", "a segment value must be 1 to \(SegmentAttributes.maxValueBytes) bytes (values are recorded cut to that length)", at: item)
                } else if !values.contains(value) {
                    values.append(value)
                }
            }
            if values.isEmpty { reader.fail(path, "names no segment value", at: valueNode) }
            out[attribute] = values
        }
        return out
    }
}

extension ExperimentLoader {
    /// Segment guardrails only on guardrails, and only on attributes the experiment names under `segments:`.
    static func checkSegmentGuardrails(_ experiment: Experiment, reader: inout YAMLReader) {
        for (index, metric) in experiment.metrics.enumerated() {
            guard let segments = metric.segments else { continue }
            let field = "metrics[\(index)].segments"
            if metric.role != .guardrail {
                reader.fail(field, "only a guardrail can guard segments (metric '\(metric.key)' is \(metric.role?.rawValue ?? "without a role"))", at: nil)
            }
            for attribute in segments.keys.sorted() where !experiment.analysis.segments.contains(attribute) {
                let known = experiment.analysis.segments.isEmpty ? "the experiment names none under segments:" : "the experiment's segments: \(experiment.analysis.segments.joined(separator: ", "))"
                reader.fail("\(field).\(attribute)", "'\(attribute)' is not a segment attribute of the experiment (\(known))", at: nil)
            }
        }
    }
}
