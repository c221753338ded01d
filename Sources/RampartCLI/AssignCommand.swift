import ArgumentParser
import RampartCore

/// `rampart assign`: which variant a unit gets, and why.
struct AssignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assign",
        abstract: "Assign a unit to a variant of an experiment."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case json, text
    }

    @OptionGroup var experiments: ExperimentsOption

    @Option(name: .long, help: "The experiment key.")
    var experiment: String

    @Option(name: .long, help: "The unit identifier (the value of the experiment's unit attribute).")
    var unit: String

    @Option(name: .customLong("attr"), help: ArgumentHelp(
        "A unit attribute for targeting, as key=value; repeatable.",
        discussion: "The value is JSON when it starts with {, [ or \" (company={\"tier\":\"gold\"}, tags=[\"a\",\"b\"]); otherwise true, false, null and numbers are read as such and anything else is a string."
    ))
    var attributes: [String] = []

    @Option(name: .long, help: "Unit attributes as a JSON object (an evaluation context); --attr values win over its members.")
    var context: String?

    @Option(name: .long, help: "Output format.")
    var format: Format = .text

    mutating func run() throws {
        let definition = try experiments.load(key: experiment)
        var attributes = try Self.parseContext(context).merging(try Self.parseAttributes(attributes)) { _, attr in attr }
        attributes[definition.unit] = attributes[definition.unit] ?? .string(unit)
        let assignment = CompiledExperiment(definition).assign(unit: unit, attributes: attributes)
        switch format {
        case .json: print(Self.json(assignment, unit: unit).jsonText)
        case .text: print(Self.text(assignment, unit: unit))
        }
    }

    /// Parses `key=value` pairs: a value starting with `{`, `[` or `"` is JSON (objects and arrays for nested
    /// attributes); otherwise it becomes a boolean, null, a number or a string.
    static func parseAttributes(_ pairs: [String]) throws -> [String: JSONValue] {
        var attributes: [String: JSONValue] = [:]
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw ValidationError("--attr '\(pair)': expected key=value")
            }
            let key = String(pair[..<equals])
            let text = String(pair[pair.index(after: equals)...])
            if let first = text.first, "{[\"".contains(first) {
                do {
                    attributes[key] = try JSONValue.parse(text)
                } catch {
                    throw ValidationError("--attr \(key): the value starts like JSON but is not valid JSON: \(error.message)")
                }
            } else {
                attributes[key] = .parsingLiteral(text)
            }
        }
        return attributes
    }

    /// Parses `--context`: a JSON object of attributes; `nil` gives none.
    static func parseContext(_ text: String?) throws -> [String: JSONValue] {
        guard let text else { return [:] }
        let value: JSONValue
        do {
            value = try JSONValue.parse(text)
        } catch {
            throw ValidationError("--context: not valid JSON: \(error.message)")
        }
        guard let object = value.objectValue else {
            throw ValidationError("--context: expected a JSON object of attributes, found \(value.typeName)")
        }
        return object
    }

    static func json(_ a: Assignment, unit: String) -> JSONValue {
        [
            "experiment": .string(a.experimentKey),
            "phase": .number(Double(a.phase)),
            "unit": .string(unit),
            "variant": .string(a.variant.key),
            "enrolled": .bool(a.enrolled),
            "bucket": a.bucket.map(JSONValue.number) ?? .null,
            "reason": .string(a.reason.rawValue),
            "payload": a.variant.payload.jsonValue,
        ]
    }

    static func text(_ a: Assignment, unit: String) -> String {
        let p = a.variant.payload
        let bucket = a.bucket.map { String(format: "%.4f", $0) } ?? "-"
        return """
            experiment  \(a.experimentKey) (phase \(a.phase))
            unit        \(unit)
            variant     \(a.variant.key)
            enrolled    \(a.enrolled ? "yes" : "no")
            bucket      \(bucket)
            reason      \(a.reason.rawValue)
            prompt      \(p.promptName) \(p.promptVersionId)
            model       \(p.provider)/\(p.model)
            parameters  \(JSONValue.object(p.parameters).jsonText)
            """
    }
}
