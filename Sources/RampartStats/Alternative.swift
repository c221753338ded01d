/// The alternative hypothesis of a test, stated for treatment − control.
public enum Alternative: Sendable, Hashable {
    /// H₁: the effect is not zero. Two-sided intervals and p-values.
    case twoSided
    /// H₁: the treatment is greater than the control. The interval is [lower, +∞).
    case treatmentGreater
    /// H₁: the treatment is less than the control. The interval is (−∞, upper].
    case treatmentLess
}
