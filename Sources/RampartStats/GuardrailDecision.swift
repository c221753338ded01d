/// The outcome of a non-inferiority guardrail test.
public enum GuardrailDecision: Sendable, Hashable {
    /// Shown safe: the effect is within the margin with the test's confidence.
    case nonInferior
    /// Shown harmful: the effect is beyond the margin with the test's confidence.
    case regression
    /// Neither has been shown yet (or the input was degenerate; see the result's `problem`).
    case inconclusive
}
