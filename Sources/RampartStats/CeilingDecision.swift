/// The outcome of a ``CeilingTest``.
public enum CeilingDecision: Sendable, Hashable {
    /// Shown below the ceiling with the test's confidence.
    case belowCeiling
    /// Shown above the ceiling with the test's confidence.
    case aboveCeiling
    /// Neither has been shown yet (or the input was degenerate; see the result's `problem`).
    case inconclusive
}
