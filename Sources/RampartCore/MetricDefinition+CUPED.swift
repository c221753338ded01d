extension MetricDefinition {
    /// The CUPED window primary and guardrail mean and proportion metrics get when `cuped_window_days` is absent.
    public static let defaultCupedWindowDays = 14.0

    /// The CUPED window in force, in days: `cuped_window_days` when given (0 turns CUPED off), else
    /// ``defaultCupedWindowDays`` for primary and guardrail metrics of kind mean or proportion; `nil` (no CUPED)
    /// otherwise. The analysis adjusts only when some unit has data in the window (docs/statistics.md).
    public var effectiveCupedWindowDays: Double? {
        guard kind == .proportion || kind == .mean else { return nil }
        if let days = cupedWindowDays { return days > 0 ? days : nil }
        return role == .primary || role == .guardrail ? Self.defaultCupedWindowDays : nil
    }
}
