import Metrics
import RampartCore

/// An experiment with its OFREP response fragments encoded once, so that evaluation only concatenates bytes.
struct ServedExperiment: Sendable {
    let compiled: CompiledExperiment
    /// `"key":"…",` — the flag key member, JSON-escaped.
    let keyMember: String
    /// Per variant key: `"value":{…},"variant":"…","metadata":{…}` without the reason.
    let variantMembers: [String: String]
    /// Evaluation counters per variant key and reason, created once.
    let evaluations: [String: [AssignmentReason: Counter]]

    init(_ experiment: Experiment) {
        compiled = CompiledExperiment(experiment)
        keyMember = "\"key\":" + JSONValue.string(experiment.key).jsonText
        var members: [String: String] = [:]
        for variant in experiment.variants {
            let p = variant.payload
            let metadata: JSONValue = [
                "experiment": .string(experiment.key),
                "phase": .number(Double(experiment.phase)),
                "prompt_name": .string(p.promptName),
                "prompt_version_id": .string(p.promptVersionId),
                "model": .string(p.model),
                "provider": .string(p.provider),
            ]
            members[variant.key] = "\"value\":" + p.jsonValue.jsonText
                + ",\"variant\":" + JSONValue.string(variant.key).jsonText
                + ",\"metadata\":" + metadata.jsonText
        }
        variantMembers = members
        var counters: [String: [AssignmentReason: Counter]] = [:]
        for variant in experiment.variants {
            for reason in [AssignmentReason.split, .targetingMatch, .default, .disabled, .static] {
                counters[variant.key, default: [:]][reason] = Counter(
                    label: "rampart_evaluations_total",
                    dimensions: [("experiment", experiment.key), ("variant", variant.key), ("reason", reason.rawValue)]
                )
            }
        }
        evaluations = counters
    }

    /// Counts one evaluation.
    func count(_ assignment: Assignment) {
        evaluations[assignment.variant.key]?[assignment.reason]?.increment()
    }

    /// The OFREP success object for an assignment, as JSON text.
    func successJSON(_ assignment: Assignment) -> String {
        let members = variantMembers[assignment.variant.key] ?? ""
        return "{" + keyMember + ",\"reason\":\"" + assignment.reason.rawValue + "\"," + members + "}"
    }
}
