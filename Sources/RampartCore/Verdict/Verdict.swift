/// The recommended next step for an experiment and every reason behind it.
public struct Verdict: Sendable, Hashable, Codable {
    public var action: VerdictAction
    /// The reasons, decisive ones first.
    public var reasons: [VerdictReason]

    public init(action: VerdictAction, reasons: [VerdictReason]) {
        self.action = action
        self.reasons = reasons.filter(\.decisive) + reasons.filter { !$0.decisive }
    }

    /// A one-line summary: the action and its decisive reasons.
    public var summary: String {
        let decisive = reasons.filter(\.decisive).map(\.message)
        return decisive.isEmpty ? action.rawValue : "\(action.rawValue): " + decisive.joined(separator: "; ")
    }
}
