extension AuditEntry {
    /// Whether this entry records a webhook delivery (`webhook_delivered`, `webhook_failed`) rather than a change to
    /// the rollout: "the last change" shown by `rampart list` and the console skips these.
    public var isNotificationRecord: Bool {
        action.hasPrefix("webhook_")
    }
}

extension Array where Element == AuditEntry {
    /// The latest entry that changed the rollout (webhook delivery records skipped).
    public var lastChange: AuditEntry? {
        last { !$0.isNotificationRecord }
    }
}
