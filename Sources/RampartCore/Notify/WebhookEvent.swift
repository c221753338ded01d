import Foundation

/// One notification, as stored in the outbox and sent (rendered by the server with the console link).
///
/// `old` and `new` are verdicts (`HOLD`, `ROLLBACK`, …) for ``WebhookEventKind/verdictChanged``, rollout states
/// ("running at 5% (stage 2 of 5)") for ``WebhookEventKind/rolloutChanged``, and the finding before and after
/// for the others.
public struct WebhookEvent: Sendable, Hashable, Codable {
    /// The idempotency key receivers deduplicate on: the same for every attempt of one delivery.
    public var id: UUID
    public var kind: WebhookEventKind
    public var experiment: String
    public var at: Date
    public var old: String?
    public var new: String
    /// The verdict when the event happened (`ROLLBACK`, …).
    public var verdict: String?
    /// The decisive reasons, in words and numbers.
    public var reasons: [String]
    /// Who changed the rollout (``WebhookEventKind/rolloutChanged``), e.g. `autopilot` or a person.
    public var actor: String?
    /// The ramp action (`advance`, `rollback`, …) of a rollout change.
    public var action: String?

    public init(id: UUID = UUID(), kind: WebhookEventKind, experiment: String, at: Date, old: String?, new: String, verdict: String?, reasons: [String], actor: String? = nil, action: String? = nil) {
        self.id = id
        self.kind = kind
        self.experiment = experiment
        self.at = at
        self.old = old
        self.new = new
        self.verdict = verdict
        self.reasons = reasons
        self.actor = actor
        self.action = action
    }

    /// The event of an audited rollout change, or `nil` for audit entries that are not ramp actions (imports,
    /// definition updates, webhook deliveries).
    ///
    /// - Parameter audit: The audit entry saved with the change.
    public static func rolloutChange(_ audit: AuditEntry) -> WebhookEvent? {
        guard RampAction(rawValue: audit.action) != nil else { return nil }
        // The audit entry's verdict is "ACTION: reason; reason" (``Verdict/summary``) or "n/a".
        let parts = audit.verdict.components(separatedBy: ": ")
        let verdict = VerdictAction(rawValue: parts[0]).map(\.rawValue)
        let reasons = parts.count > 1 ? parts.dropFirst().joined(separator: ": ").components(separatedBy: "; ") : []
        return WebhookEvent(
            kind: .rolloutChanged, experiment: audit.experiment, at: audit.at, old: audit.from, new: audit.to, verdict: verdict,
            reasons: audit.reason.isEmpty ? reasons : [audit.reason] + reasons, actor: audit.actor, action: audit.action
        )
    }

    /// A one-line summary for people (Slack's `text`, the audit log).
    public var summary: String {
        switch kind {
        case .verdictChanged: return "\(experiment): verdict \(old ?? "none") → \(new)"
        case .rolloutChanged: return "\(experiment): \(action ?? "change") by \(actor ?? "someone"): \(old ?? "") → \(new)"
        case .guardrailRegressed: return "\(experiment): guardrail regression: \(new)"
        case .srmDetected: return "\(experiment): sample ratio mismatch"
        }
    }
}
