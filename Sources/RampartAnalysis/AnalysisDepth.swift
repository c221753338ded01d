/// How much of a report an analysis computes.
public enum AnalysisDepth: Sendable, Hashable {
    /// Everything the report shows: every metric, the funnel, the cost table, the timeline and the decision plan.
    case full
    /// What the verdict and the primary metric's effect need, as the console's overview shows them: the metrics with
    /// a role (and the parts of ratios among them), attribution and the sample-ratio test. The verdict, its reasons,
    /// the units and the metrics with a role are the same as a full analysis's; the funnel, cost table, timeline and
    /// decision plan are left empty.
    case verdict
}
