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
