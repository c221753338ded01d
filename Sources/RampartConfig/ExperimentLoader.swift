import Foundation
import RampartCore
import Yams

/// Reads experiment definitions from YAML and validates them (see docs/experiment-format.md).
public enum ExperimentLoader {
    static let topLevelKeys: Set<String> = [
        "key", "name", "description", "owner", "hypothesis", "status", "unit", "salt", "phase", "variants",
        "control", "targeting", "coverage", "namespace", "ramp", "metrics", "alpha", "sequential",
        "sequential_tuning", "sequential_method", "srm_threshold", "advance_risk", "shipped_variant",
        "served_mismatch_threshold", "trace_url", "segments", "segment_min_units",
    ]

    /// Reads and validates one file.
    ///
    /// - Parameter path: The file's path; it is also how problems name the file.
    public static func load(path: String) -> LoadedExperiment {
        do {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            return parse(yaml: text, file: path)
        } catch {
            let problem = ConfigProblem(file: path, line: 0, column: 0, field: "(file)", message: "cannot read the file: \(error.localizedDescription)")
            return LoadedExperiment(file: path, experiment: nil, problems: [problem], positions: [:])
        }
    }

    /// Reads and validates one YAML document.
    ///
    /// - Parameters:
    ///   - yaml: The document's text.
    ///   - file: The name problems are reported against.
    public static func parse(yaml: String, file: String) -> LoadedExperiment {
        var reader = YAMLReader(file: file)
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            reader.fail("(file)", "not valid YAML: \(describe(yamlError: error))", at: nil)
            if case .some(let position) = position(of: error, in: yaml) {
                reader.overrideLastPosition(position)
            }
            return LoadedExperiment(file: file, experiment: nil, problems: reader.problems, positions: [:])
        }
        guard let root, let fields = reader.mapping(root, at: "", allowed: topLevelKeys) else {
            if root == nil { reader.fail("(file)", "the file is empty", at: nil) }
            return LoadedExperiment(file: file, experiment: nil, problems: reader.problems, positions: reader.positions)
        }
        var experiment = read(fields, root: root, reader: &reader)
        ExperimentValidator.validate(&experiment, reader: &reader)
        let problems = reader.problems.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
        return LoadedExperiment(file: file, experiment: experiment, problems: problems, positions: reader.positions)
    }

    /// Reads and validates every `.yaml` and `.yml` file in a directory, then checks the files against each other.
    ///
    /// - Parameters:
    ///   - directory: The directory, e.g. `experiments`.
    ///   - crossCheck: Whether to check the files against each other (duplicate keys, namespace overlaps).
    public static func loadDirectory(_ directory: String, crossCheck: Bool = true) throws -> [LoadedExperiment] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            .sorted()
        var loaded = names.map { load(path: (directory as NSString).appendingPathComponent($0)) }
        if crossCheck { ExperimentValidator.crossCheck(&loaded) }
        return loaded
    }

    /// Checks files against each other: duplicate experiment keys, and overlapping slices of one namespace.
    public static func crossCheck(_ loaded: inout [LoadedExperiment]) {
        ExperimentValidator.crossCheck(&loaded)
    }

    static func read(_ fields: [String: Node], root: Node, reader: inout YAMLReader) -> Experiment {
        guard let keyNode = fields["key"] else {
            reader.fail("key", "is required", at: root)
            return readBody(fields, key: "", reader: &reader)
        }
        let key = reader.string(keyNode, at: "key")
        if key == "" { reader.fail("key", "must not be empty: it names the experiment in every route and file", at: keyNode) }
        return readBody(fields, key: key ?? "", reader: &reader)
    }

    private static func readBody(_ fields: [String: Node], key: String, reader: inout YAMLReader) -> Experiment {
        let variants = fields["variants"].flatMap { readVariants($0, reader: &reader) } ?? []
        let metrics = fields["metrics"].flatMap { MetricReader.read($0, reader: &reader) } ?? []
        let ramp = fields["ramp"].flatMap { readRamp($0, reader: &reader) } ?? []
        var analysis = AnalysisSettings()
        if let alpha = reader.number(fields["alpha"], at: "alpha") { analysis.alpha = alpha }
        if let sequential = reader.bool(fields["sequential"], at: "sequential") { analysis.sequential = sequential }
        if let tuning = reader.number(fields["sequential_tuning"], at: "sequential_tuning") { analysis.sequentialTuning = tuning }
        if let node = fields["sequential_method"], let method = readSequentialMethod(node, reader: &reader) {
            analysis.sequentialMethod = method
        }
        if let srm = reader.number(fields["srm_threshold"], at: "srm_threshold") { analysis.srmThreshold = srm }
        if let risk = reader.number(fields["advance_risk"], at: "advance_risk") { analysis.advanceRisk = risk }
        if let share = reader.number(fields["served_mismatch_threshold"], at: "served_mismatch_threshold") { analysis.servedMismatchThreshold = share }
        analysis.traceURL = reader.string(fields["trace_url"], at: "trace_url")
        readSegments(fields, into: &analysis, reader: &reader)
        let targeting = fields["targeting"].flatMap { reader.json($0, at: "targeting") }
        return Experiment(
            key: key,
            name: reader.string(fields["name"], at: "name"),
            description: reader.string(fields["description"], at: "description") ?? "",
            owner: reader.string(fields["owner"], at: "owner") ?? "",
            hypothesis: reader.string(fields["hypothesis"], at: "hypothesis") ?? "",
            status: reader.enumeration(fields["status"], at: "status", as: ExperimentStatus.self) ?? .draft,
            unit: reader.string(fields["unit"], at: "unit") ?? "user_id",
            salt: reader.string(fields["salt"], at: "salt"),
            phase: reader.integer(fields["phase"], at: "phase") ?? 0,
            variants: variants,
            control: reader.string(fields["control"], at: "control"),
            targeting: targeting,
            coverage: reader.number(fields["coverage"], at: "coverage") ?? 1,
            namespace: fields["namespace"].flatMap { readNamespace($0, reader: &reader) },
            ramp: ramp,
            metrics: metrics,
            analysis: analysis,
            shippedVariant: reader.string(fields["shipped_variant"], at: "shipped_variant")
        )
    }

    private static func readVariants(_ node: Node, reader: inout YAMLReader) -> [Variant]? {
        guard let items = reader.sequence(node, at: "variants") else { return nil }
        return items.enumerated().compactMap { index, item in
            let field = "variants[\(index)]"
            guard let v = reader.mapping(item, at: field, allowed: ["key", "weight", "payload"]) else { return nil }
            let key = reader.string(v["key"], at: "\(field).key")
            if v["key"] == nil { reader.fail("\(field).key", "is required", at: item) }
            let weight = reader.number(v["weight"], at: "\(field).weight")
            if v["weight"] == nil { reader.fail("\(field).weight", "is required", at: item) }
            var payload = VariantPayload(promptName: "", promptVersionId: "", model: "", provider: "")
            if let p = v["payload"] {
                payload = readPayload(p, at: "\(field).payload", reader: &reader) ?? payload
            } else {
                reader.fail("\(field).payload", "is required", at: item)
            }
            return Variant(key: key ?? "", weight: weight ?? .nan, payload: payload)
        }
    }

    private static func readPayload(_ node: Node, at field: String, reader: inout YAMLReader) -> VariantPayload? {
        let allowed: Set<String> = ["prompt_name", "prompt_version_id", "model", "provider", "parameters"]
        guard let p = reader.mapping(node, at: field, allowed: allowed) else { return nil }
        var strings: [String: String] = [:]
        for name in ["prompt_name", "prompt_version_id", "model", "provider"] {
            if p[name] == nil { reader.fail("\(field).\(name)", "is required", at: node) }
            strings[name] = reader.string(p[name], at: "\(field).\(name)")
        }
        var parameters: [String: JSONValue] = [:]
        if let node = p["parameters"] {
            if let object = reader.json(node, at: "\(field).parameters")?.objectValue {
                parameters = object
            } else {
                reader.fail("\(field).parameters", "expected a mapping of parameter names to values", at: node)
            }
        }
        return VariantPayload(
            promptName: strings["prompt_name"] ?? "",
            promptVersionId: strings["prompt_version_id"] ?? "",
            model: strings["model"] ?? "",
            provider: strings["provider"] ?? "",
            parameters: parameters
        )
    }

    private static func readRamp(_ node: Node, reader: inout YAMLReader) -> [RampStep]? {
        guard let items = reader.sequence(node, at: "ramp") else { return nil }
        let allowed: Set<String> = ["coverage", "min_duration", "min_units_per_variant", "requires_approval"]
        return items.enumerated().compactMap { index, item in
            let field = "ramp[\(index)]"
            guard let s = reader.mapping(item, at: field, allowed: allowed) else { return nil }
            if s["coverage"] == nil { reader.fail("\(field).coverage", "is required", at: item) }
            return RampStep(
                coverage: reader.number(s["coverage"], at: "\(field).coverage") ?? .nan,
                minDuration: reader.duration(s["min_duration"], at: "\(field).min_duration") ?? 0,
                minUnitsPerVariant: reader.integer(s["min_units_per_variant"], at: "\(field).min_units_per_variant") ?? 0,
                requiresApproval: reader.bool(s["requires_approval"], at: "\(field).requires_approval") ?? false
            )
        }
    }

    private static func readNamespace(_ node: Node, reader: inout YAMLReader) -> Namespace? {
        guard let n = reader.mapping(node, at: "namespace", allowed: ["id", "range"]) else { return nil }
        guard let id = reader.string(n["id"], at: "namespace.id") else {
            if n["id"] == nil { reader.fail("namespace.id", "is required", at: node) }
            return nil
        }
        guard let rangeNode = n["range"] else { return Namespace(id: id) }
        guard let range = reader.sequence(rangeNode, at: "namespace.range"), range.count == 2,
            let start = reader.number(range[0], at: "namespace.range[0]"),
            let end = reader.number(range[1], at: "namespace.range[1]")
        else {
            reader.fail("namespace.range", "expected [start, end] with 0 <= start < end <= 1", at: rangeNode)
            return nil
        }
        return Namespace(id: id, start: start, end: end)
    }

    static func describe(yamlError error: Error) -> String {
        if let yaml = error as? YamlError {
            switch yaml {
            case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
                return problem
            case .duplicatedKeysInMapping(let duplicates, _):
                return "duplicate keys: \(duplicates.joined(separator: ", "))"
            default:
                return "\(yaml)"
            }
        }
        return "\(error)"
    }

    /// Where a YAML error is: the mark Yams gives, or for a duplicate key the line that repeats it.
    ///
    /// - Parameters:
    ///   - error: The error Yams threw.
    ///   - text: The document, to find the repeated key in.
    static func position(of error: Error, in text: String) -> SourcePosition? {
        guard let yaml = error as? YamlError else { return nil }
        switch yaml {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return SourcePosition(line: mark.line, column: mark.column)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let first = SourcePosition(line: context.mark.line, column: context.mark.column)
            guard let key = duplicates.sorted().first else { return first }
            return repetition(of: key, after: first, in: text) ?? first
        default:
            return nil
        }
    }

    /// The next line after `first` that writes `key:` at the same column (the same mapping), if any.
    static func repetition(of key: String, after first: SourcePosition, in text: String) -> SourcePosition? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // Yams counts a lone "\r" as a line break and `split` does not, so its line may lie past the last one here.
        guard first.line >= 1, first.column >= 1, first.line < lines.count else { return nil }
        for index in first.line..<lines.count {
            let line = lines[index]
            let indent = line.unicodeScalars.prefix { $0 == " " }.count
            let rest = line.dropFirst(indent)
            if rest.isEmpty || rest.hasPrefix("#") { continue }
            if indent + 1 < first.column { break }  // the mapping ended
            guard indent + 1 == first.column else { continue }
            for quoted in [key, "\"\(key)\"", "'\(key)'"] where rest.hasPrefix(quoted) {
                if rest.dropFirst(quoted.count).drop(while: { $0 == " " }).hasPrefix(":") {
                    return SourcePosition(line: index + 1, column: first.column)
                }
            }
        }
        return nil
    }
}
