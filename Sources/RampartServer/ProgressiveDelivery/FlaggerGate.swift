import Foundation
import HTTPTypes
import RampartCore

/// Flagger's webhooks answered from a verdict (docs/integrations.md, "Flagger"). Flagger proceeds on a 2xx and
/// waits (asking again next interval) on anything else, so every answer other than 200 means "not now"; the code
/// says why: 403 the verdict does not allow it yet (HOLD, or not yet SHIP), 409 the experiment says stop (ROLLBACK,
/// STOP, or it is paused, stopped or not started). A `rollback` hook answered 200 makes Flagger roll back.
public enum FlaggerGate {
    /// The hooks Rampart answers; the path's last component.
    public enum Hook: String, Sendable, CaseIterable {
        case confirmPromotion = "confirm-promotion"
        case confirmTrafficIncrease = "confirm-traffic-increase"
        case rollback
    }

    /// Flagger's webhook payload (`CanaryWebhookPayload`): the canary's name, namespace and phase, and the
    /// webhook's metadata, which must name the experiment (`metadata.experiment`).
    public struct Payload: Sendable, Hashable {
        public var name: String?
        public var namespace: String?
        public var phase: String?
        public var metadata: [String: String]

        /// Parses a payload.
        ///
        /// - Throws: `invalid_input` naming the field and the reason.
        public init(json: JSONValue) throws {
            guard let object = json.objectValue else { throw RampartError(.invalidInput, "body: expected Flagger's webhook payload, a JSON object") }
            for field in ["name", "namespace", "phase", "checksum"] where object[field] != nil && object[field] != .null && object[field]?.stringValue == nil {
                throw RampartError(.invalidInput, "\(field): expected a string")
            }
            name = object["name"]?.stringValue
            namespace = object["namespace"]?.stringValue
            phase = object["phase"]?.stringValue
            var metadata: [String: String] = [:]
            if let raw = object["metadata"], raw != .null {
                guard let members = raw.objectValue else { throw RampartError(.invalidInput, "metadata: expected an object of strings") }
                for (key, value) in members {
                    guard let text = value.stringValue else { throw RampartError(.invalidInput, "metadata.\(key): expected a string") }
                    metadata[key] = text
                }
            }
            self.metadata = metadata
        }

        /// The experiment key, from `metadata.experiment`.
        public func experiment() throws -> String {
            guard let key = metadata["experiment"], !key.isEmpty else {
                throw RampartError(.invalidInput, "metadata.experiment: required; set it to the Rampart experiment key in the Canary's webhook metadata")
            }
            return key
        }
    }

    /// The answer to a hook.
    ///
    /// - Parameters:
    ///   - hook: Which webhook Flagger called.
    ///   - state: The rollout.
    ///   - verdict: Its verdict now.
    /// - Returns: 200 to let Flagger go on (or, for `rollback`, to make it roll back), 403 or 409 otherwise, and
    ///   whether the hook's question was answered yes.
    public static func decide(_ hook: Hook, state: RolloutState, verdict: Verdict) -> (status: HTTPResponse.Status, allowed: Bool) {
        let status = state.experiment.status
        let harmful = verdict.action == .rollback || verdict.action == .stop
        switch hook {
        case .rollback:
            return harmful || status == .stopped ? (.ok, true) : (.forbidden, false)
        case .confirmTrafficIncrease:
            if status == .shipped { return (.ok, true) }
            if status != .running || harmful { return (.conflict, false) }
            return verdict.action == .advance || verdict.action == .ship ? (.ok, true) : (.forbidden, false)
        case .confirmPromotion:
            if status == .shipped { return (.ok, true) }
            if status != .running || harmful { return (.conflict, false) }
            return verdict.action == .ship ? (.ok, true) : (.forbidden, false)
        }
    }
}
