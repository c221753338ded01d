/// What a webhook notification is about (docs/integrations.md, "Notifications").
public enum WebhookEventKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// The verdict of a running experiment changed, e.g. HOLD → ADVANCE.
    case verdictChanged = "verdict_changed"
    /// A person or the autopilot changed the rollout: advance, rollback, pause, resume, ship.
    case rolloutChanged = "rollout_changed"
    /// A guardrail of some treatment is now shown regressing (it was not at the last notification).
    case guardrailRegressed = "guardrail_regressed"
    /// A sample-ratio mismatch appeared.
    case srmDetected = "srm_detected"

    /// Parses a comma-separated list such as `verdict_changed,srm_detected`; `all` or an empty list means every kind.
    ///
    /// - Parameter list: The list as typed.
    /// - Returns: The kinds, or the first unknown name.
    public static func parseList(_ list: String) -> Result<Set<WebhookEventKind>, RampartError> {
        let names = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if names.isEmpty || names == ["all"] { return .success(Set(allCases)) }
        var kinds = Set<WebhookEventKind>()
        for name in names {
            guard let kind = WebhookEventKind(rawValue: name) else {
                return .failure(RampartError(.invalidInput, "events: unknown event '\(name)'; expected all or a comma-separated list of \(allCases.map(\.rawValue).joined(separator: ", "))"))
            }
            kinds.insert(kind)
        }
        return .success(kinds)
    }
}
