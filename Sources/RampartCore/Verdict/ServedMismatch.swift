/// How often a variant's LLM events ran another prompt version or model than the variant serves ("served vs. ran").
public struct ServedMismatch: Sendable, Hashable {
    /// The variant key.
    public var variant: String
    /// The variant's LLM events that name a prompt version or a model.
    public var events: Int
    /// Those whose `prompt_version_id` or `model` differs from the variant's payload.
    public var mismatched: Int
    /// The most frequent mismatching combination, e.g. "prompt_version_id pv_2026_05_21_001, model gpt-4.1-mini
    /// (40 events)"; `nil` without mismatches.
    public var mostFrequent: String?

    public init(variant: String, events: Int, mismatched: Int, mostFrequent: String?) {
        self.variant = variant
        self.events = events
        self.mismatched = mismatched
        self.mostFrequent = mostFrequent
    }

    /// `mismatched / events`; `nil` without events.
    public var share: Double? {
        events > 0 ? Double(mismatched) / Double(events) : nil
    }

    /// Whether the share is above the threshold, so the verdict must not move.
    ///
    /// - Parameter threshold: The experiment's `served_mismatch_threshold`.
    public func exceeds(_ threshold: Double) -> Bool {
        (share ?? 0) > threshold
    }

    /// "treatment ran another prompt version or model than it serves in 4.2% of its LLM events (42 of 1000), above
    /// the 1% threshold; most often prompt_version_id pv_… (40 events)".
    ///
    /// - Parameter threshold: The experiment's `served_mismatch_threshold`.
    public func message(threshold: Double) -> String {
        let share = VerdictFormat.percent(self.share ?? 0)
        let often = mostFrequent.map { "; most often \($0)" } ?? ""
        return "\(variant) ran another prompt version or model than it serves in \(share) of its LLM events (\(mismatched) of \(events)), above the \(VerdictFormat.percent(threshold)) threshold\(often)"
    }
}
