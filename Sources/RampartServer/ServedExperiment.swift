import Metrics
import NIOCore
import RampartCore

/// An experiment with its OFREP answers rendered once, when the configuration loads: a single-flag evaluation only
/// assigns, counts and hands a shared buffer to the response.
///
/// A class, so that the registry hands out a reference rather than copying the definition on every request.
final class ServedExperiment: Sendable {
    let compiled: CompiledExperiment
    /// `"key":"…",` — the flag key member, JSON-escaped.
    let keyMember: String
    /// Per variant key: `"value":{…},"variant":"…","metadata":{…}` without the reason.
    let variantMembers: [String: String]
    /// The variant keys in definition order: the first index of `rendered`.
    private let variantKeys: [String]
    /// Per variant (as in `variantKeys`) and reason (as in `reasons`): the success body and its counter.
    private let rendered: [[RenderedEvaluation]]

    /// Every reason, in the order of the second index of `rendered`.
    static let reasons: [AssignmentReason] = [.split, .targetingMatch, .default, .disabled, .static]

    init(_ experiment: Experiment) {
        compiled = CompiledExperiment(experiment)
        let keyMember = "\"key\":" + JSONValue.string(experiment.key).jsonText
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
        variantKeys = experiment.variants.map(\.key)
        rendered = experiment.variants.map { variant in
            Self.reasons.map { reason in
                let text = Self.successJSON(keyMember: keyMember, reason: reason, members: members[variant.key] ?? "")
                return RenderedEvaluation(
                    body: ByteBuffer(string: text),
                    counter: Counter(
                        label: "rampart_evaluations_total",
                        dimensions: [("experiment", experiment.key), ("variant", variant.key), ("reason", reason.rawValue)]
                    )
                )
            }
        }
        self.keyMember = keyMember
        variantMembers = members
    }

    /// The rendered answer and counter for an assignment; `nil` when its variant is not one of the experiment's
    /// (a malformed definition whose control is unknown), which is neither counted nor pre-rendered.
    func rendering(_ assignment: Assignment) -> RenderedEvaluation? {
        // The last variant with the key, as the key-indexed members are built last-wins.
        guard let variant = variantKeys.lastIndex(of: assignment.variant.key) else { return nil }
        return rendered[variant][Self.reasonIndex(assignment.reason)]
    }

    /// The OFREP success object for an assignment, as JSON text.
    func successJSON(_ assignment: Assignment) -> String {
        Self.successJSON(keyMember: keyMember, reason: assignment.reason, members: variantMembers[assignment.variant.key] ?? "")
    }

    /// The OFREP success object from its encoded parts.
    ///
    /// - Parameters:
    ///   - keyMember: The encoded `"key":…` member.
    ///   - reason: The resolution reason.
    ///   - members: The encoded value, variant and metadata members.
    static func successJSON(keyMember: String, reason: AssignmentReason, members: String) -> String {
        "{" + keyMember + ",\"reason\":\"" + reason.rawValue + "\"," + members + "}"
    }

    /// The position of a reason in `reasons`.
    static func reasonIndex(_ reason: AssignmentReason) -> Int {
        switch reason {
        case .split: return 0
        case .targetingMatch: return 1
        case .default: return 2
        case .disabled: return 3
        case .static: return 4
        }
    }
}
