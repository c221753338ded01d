import RampartStats

/// What a ``QuantileCoverageSimulation`` measured.
public struct QuantileCoverageReport: Sendable, Hashable, CustomStringConvertible {
    /// The simulation that produced the report.
    public var simulation: QuantileCoverageSimulation
    /// Share of replications whose clustered (Deng et al.) interval covered the true quantile.
    public var clusteredCoverage: Double
    /// Share whose naive i.i.d. interval (σ² = p(1 − p)/N events) covered it.
    public var naiveCoverage: Double
    /// Replications that produced an interval.
    public var replications: Int

    /// Creates a report.
    public init(simulation: QuantileCoverageSimulation, clusteredCoverage: Double, naiveCoverage: Double, replications: Int) {
        self.simulation = simulation
        self.clusteredCoverage = clusteredCoverage
        self.naiveCoverage = naiveCoverage
        self.replications = replications
    }

    public var description: String {
        let s = simulation
        return """
        Quantile interval coverage — p\(Int((s.level * 100).rounded())), \(replications) replications, \(s.units) units, \
        1 + Poisson(\(s.extraEventsPerUnit)) events/unit, unit effect sd \(s.unitEffectStandardDeviation), nominal \((1 - s.alpha) * 100)%
          clustered (delta method): \((clusteredCoverage * 1000).rounded() / 10)%
          naive i.i.d.:             \((naiveCoverage * 1000).rounded() / 10)%
        """
    }
}
