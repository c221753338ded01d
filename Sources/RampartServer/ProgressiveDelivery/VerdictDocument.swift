import Foundation
import RampartCore

/// The body of `GET /v1/experiments/{key}/verdict`: a small, stable shape for Argo Rollouts' `web` metric provider
/// and other deployment tools (docs/integrations.md, "Progressive delivery"). Fields are only ever added.
public enum VerdictDocument {
    /// The document for a rollout and its verdict.
    ///
    /// - Parameters:
    ///   - state: The rollout as stored.
    ///   - verdict: Its verdict at `at`.
    ///   - at: The moment analysed.
    public static func json(_ state: RolloutState, verdict: Verdict, at: Date) -> JSONValue {
        let e = state.experiment
        let stage: JSONValue = state.stageIndex.map { index in
            [
                "index": .number(Double(index)), "number": .number(Double(index + 1)), "count": .number(Double(e.ramp.count)),
                "coverage": .number(e.coverage), "last": .bool(index == e.ramp.count - 1),
                "requires_approval": .bool(e.ramp.indices.contains(index) && e.ramp[index].requiresApproval),
            ]
        } ?? .null
        return [
            "experiment": .string(e.key),
            "status": .string(e.status.rawValue),
            "phase": .number(Double(e.phase)),
            "verdict": .string(verdict.action.rawValue),
            "stage": stage,
            "coverage": .number(e.coverage),
            "summary": .string(verdict.summary),
            "reasons": .array(verdict.reasons.filter(\.decisive).map(reason)),
            "healthy": .bool(verdict.action != .rollback && verdict.action != .stop),
            "analysed_at": .string(ISO8601DateFormatter().string(from: at)),
        ]
    }

    /// A decisive reason: its kind, metric and variant when it has them, the segment for a segment guardrail's,
    /// and the message.
    static func reason(_ r: VerdictReason) -> JSONValue {
        var fields: [String: JSONValue] = [
            "kind": .string(r.kind.rawValue), "metric": r.metric.map(JSONValue.string) ?? .null,
            "variant": r.variant.map(JSONValue.string) ?? .null, "message": .string(r.message),
        ]
        if let segment = r.segment {
            fields["segment"] = ["attribute": .string(segment.attribute), "value": .string(segment.value)]
        }
        return .object(fields)
    }
}
