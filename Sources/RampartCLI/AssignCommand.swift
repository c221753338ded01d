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

    @Option(name: .customLong("attr"), help: "A unit attribute for targeting, as key=value; repeatable.")
    var attributes: [String] = []

    @Option(name: .long, help: "Output format.")
    var format: Format = .text

    mutating func run() throws {
        let definition = try experiments.load(key: experiment)
        var attributes = try Self.parseAttributes(attributes)
        attributes[definition.unit] = attributes[definition.unit] ?? .string(unit)
        let assignment = CompiledExperiment(definition).assign(unit: unit, attributes: attributes)
        switch format {
        case .json: print(Self.json(assignment, unit: unit).jsonText)
        case .text: print(Self.text(assignment, unit: unit))
        }
    }

    /// Parses `key=value` pairs; values become booleans, numbers or strings.
    static func parseAttributes(_ pairs: [String]) throws -> [String: JSONValue] {
        var attributes: [String: JSONValue] = [:]
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw ValidationError("--attr '\(pair)': expected key=value")
            }
            attributes[String(pair[..<equals])] = .parsingLiteral(String(pair[pair.index(after: equals)...]))
        }
        return attributes
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
