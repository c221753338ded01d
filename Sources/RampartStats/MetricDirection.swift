/// Which direction of a metric is good.
public enum MetricDirection: Sendable, Hashable {
    /// Higher is better (task completion).
    case higherIsBetter
    /// Lower is better (escalation rate, error rate, latency, cost).
    case lowerIsBetter
}
