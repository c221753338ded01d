import Foundation

/// What was last notified about a running experiment, and the notifications a new verdict calls for.
///
/// The store keeps one ``State`` per experiment (``WebhookStore``); whatever re-analyses experiments (the console's
/// overview refresher on every replica) compares the new verdict with it, and the store swaps the state and
/// writes the notifications to the outbox in one transaction, so a restart or a second replica never sends one
/// twice.
public enum VerdictWatch {
    /// The findings notified last.
    public struct State: Sendable, Hashable, Codable {
        /// The verdict, e.g. `HOLD`.
        public var verdict: String
        /// The guardrails shown regressing, as `metric/variant` (`metric/variant [attribute = value]` for a segment
        /// guardrail), sorted.
        public var regressions: [String]
        /// Whether a sample-ratio mismatch was detected.
        public var srm: Bool

        public init(verdict: String, regressions: [String], srm: Bool) {
            self.verdict = verdict
            self.regressions = regressions.sorted()
            self.srm = srm
        }

        /// The findings of a verdict.
        public init(_ verdict: Verdict) {
            self.init(
                verdict: verdict.action.rawValue,
                regressions: Array(Set(verdict.reasons.filter { $0.kind == .guardrailRegression }.map(Self.regressionKey))),
                srm: verdict.reasons.contains { $0.kind == .sampleRatioMismatch }
            )
        }

        /// `metric/variant`, and for a segment guardrail `metric/variant [attribute = value]`.
        static func regressionKey(_ reason: VerdictReason) -> String {
            "\(reason.metric ?? "?")/\(reason.variant ?? "?")" + (reason.segment.map { " " + $0.bracketed } ?? "")
        }
    }

    /// The notifications going from `old` (`nil`: nothing notified yet) to the findings of `verdict`.
    ///
    /// A first observation notifies a verdict other than HOLD (a new running experiment holds; a first ROLLBACK
    /// or ADVANCE is news), and any regression or SRM. Later, a different verdict, each guardrail newly shown
    /// regressing, and an SRM that was not there.
    ///
    /// - Parameters:
    ///   - old: The state notified last.
    ///   - verdict: The verdict now.
    ///   - experiment: The experiment's key.
    ///   - at: The moment of the analysis.
    /// - Returns: The new state and the events, in the order verdict, guardrails, SRM.
    public static func changes(from old: State?, to verdict: Verdict, experiment: String, at: Date) -> (state: State, events: [WebhookEvent]) {
        let new = State(verdict)
        var events: [WebhookEvent] = []
        let decisive = verdict.reasons.filter(\.decisive).map(\.message)
        if old.map({ $0.verdict != new.verdict }) ?? (verdict.action != .hold) {
            events.append(WebhookEvent(kind: .verdictChanged, experiment: experiment, at: at, old: old?.verdict, new: new.verdict, verdict: new.verdict, reasons: decisive))
        }
        let before = Set(old?.regressions ?? [])
        for key in new.regressions where !before.contains(key) {
            let messages = verdict.reasons.filter { $0.kind == .guardrailRegression && State.regressionKey($0) == key }.map(\.message)
            events.append(WebhookEvent(kind: .guardrailRegressed, experiment: experiment, at: at, old: nil, new: key, verdict: new.verdict, reasons: messages))
        }
        if new.srm, old?.srm != true {
            let messages = verdict.reasons.filter { $0.kind == .sampleRatioMismatch }.map(\.message)
            events.append(WebhookEvent(kind: .srmDetected, experiment: experiment, at: at, old: nil, new: "sample_ratio_mismatch", verdict: new.verdict, reasons: messages))
        }
        return (new, events)
    }
}
