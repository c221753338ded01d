/// Settings shared by every test: significance level, sidedness and sequential mode.
public struct TestSettings: Sendable, Hashable {
    /// The significance level α; intervals have coverage 1 − α. Must lie in (0, 1).
    public var alpha: Double
    /// The alternative hypothesis (two-sided by default).
    public var alternative: Alternative
    /// When `true`, intervals are always-valid confidence sequences (Waudby-Smith et al.,
    /// asymptotic CS with a normal mixture) and p-values are always-valid, so the
    /// experiment may be inspected after every day. When `false`, fixed-horizon Welch
    /// t-tests are used, valid for one inspection only.
    public var sequential: Bool
    /// The sequential tuning parameter n*: the total number of units (both variants
    /// together) at which the confidence sequence is tightest. GrowthBook's default is
    /// 5,000. Set it near the expected sample size at the first decision you care about;
    /// any positive value keeps the guarantee, only the width changes.
    public var sequentialTuning: Double
    /// The always-valid design used when `sequential` is `true`: the normal mixture (default)
    /// or group-sequential α-spending over a plan (see ``SequentialMethod``).
    public var sequentialMethod: SequentialMethod

    /// Creates settings.
    /// - Parameters:
    ///   - alpha: Significance level, default 0.05.
    ///   - alternative: Sidedness, default two-sided.
    ///   - sequential: Always-valid inference, default `false` (fixed horizon).
    ///   - sequentialTuning: The tuning parameter n*, default 5,000 (mixture only).
    ///   - sequentialMethod: The sequential design, default the normal mixture.
    public init(
        alpha: Double = 0.05,
        alternative: Alternative = .twoSided,
        sequential: Bool = false,
        sequentialTuning: Double = 5_000,
        sequentialMethod: SequentialMethod = .mixture
    ) {
        self.alpha = alpha
        self.alternative = alternative
        self.sequential = sequential
        self.sequentialTuning = sequentialTuning
        self.sequentialMethod = sequentialMethod
    }

    /// The reason these settings are unusable, or `nil` when they are valid.
    public var problem: DegenerateReason? {
        guard alpha.isFinite, alpha > 0, alpha < 1 else {
            return .invalidSetting("alpha must lie in (0, 1)")
        }
        if sequential {
            guard sequentialTuning.isFinite, sequentialTuning > 0 else {
                return .invalidSetting("sequentialTuning must be positive")
            }
            if case .alphaSpending(let plan) = sequentialMethod, let problem = plan.problem { return problem }
            if alternative != .twoSided, alpha >= 0.5 {
                return .invalidSetting("one-sided sequential tests need alpha < 0.5")
            }
        }
        return nil
    }
}
