import RampartStats

/// What a ``SequentialSimulation`` measured.
public struct SimulationReport: Sendable, Hashable, CustomStringConvertible {
    /// The simulation that produced the report.
    public var simulation: SequentialSimulation
    /// Share of experiments where the fixed-horizon test was significant at any daily look.
    public var fixedHorizonAnyLookRate: Double
    /// Share significant at the final look only (the fixed-horizon test used as designed).
    public var fixedHorizonFinalLookRate: Double
    /// Share where the two-sided sequential test was significant at any look.
    public var sequentialTwoSidedRate: Double
    /// Share where the one-sided sequential test (treatment greater) was significant at any look.
    public var sequentialOneSidedRate: Double
    /// Mean day of the first sequential two-sided rejection, among experiments that had one.
    public var meanSequentialDecisionDay: Double?
    /// √(α(1 − α)/experiments): the Monte Carlo standard error of a rate equal to α.
    public var monteCarloStandardError: Double
    /// Wall-clock seconds the run took.
    public var elapsedSeconds: Double

    /// Creates a report.
    public init(
        simulation: SequentialSimulation,
        fixedHorizonAnyLookRate: Double,
        fixedHorizonFinalLookRate: Double,
        sequentialTwoSidedRate: Double,
        sequentialOneSidedRate: Double,
        meanSequentialDecisionDay: Double?,
        monteCarloStandardError: Double,
        elapsedSeconds: Double
    ) {
        self.simulation = simulation
        self.fixedHorizonAnyLookRate = fixedHorizonAnyLookRate
        self.fixedHorizonFinalLookRate = fixedHorizonFinalLookRate
        self.sequentialTwoSidedRate = sequentialTwoSidedRate
        self.sequentialOneSidedRate = sequentialOneSidedRate
        self.meanSequentialDecisionDay = meanSequentialDecisionDay
        self.monteCarloStandardError = monteCarloStandardError
        self.elapsedSeconds = elapsedSeconds
    }

    /// Whether the sequential false-positive rates stay within α + 3 Monte Carlo standard errors.
    /// Meaningful for A/A runs only.
    public var sequentialWithinAlpha: Bool {
        let limit = simulation.alpha + 3 * monteCarloStandardError
        return sequentialTwoSidedRate <= limit && sequentialOneSidedRate <= limit
    }

    public var description: String {
        let s = simulation
        let kind = s.relativeEffect == 0 ? "A/A (false-positive rates)" : "effect \(format(s.relativeEffect * 100))% (rejection rates = power)"
        var lines = [
            "Sequential testing simulation — \(kind)",
            "  \(s.experiments) experiments × \(s.days) daily looks, \(s.unitsPerDayPerArm) units/arm/day, metric \(s.metric), α = \(format(s.alpha)), n* = \(format(s.sequentialTuning)), seed \(s.seed)",
            "  fixed-horizon, read every day:   \(percent(fixedHorizonAnyLookRate))",
            "  fixed-horizon, read once at end: \(percent(fixedHorizonFinalLookRate))",
            "  sequential two-sided, every day: \(percent(sequentialTwoSidedRate))",
            "  sequential one-sided, every day: \(percent(sequentialOneSidedRate))",
            "  Monte Carlo SE at α: \(percent(monteCarloStandardError))",
        ]
        if let day = meanSequentialDecisionDay { lines.append("  mean day of sequential decision: \(format(day))") }
        if s.relativeEffect == 0 {
            lines.append("  sequential ≤ α + 3 SE: \(sequentialWithinAlpha ? "yes" : "NO")")
        }
        lines.append("  elapsed: \(format(elapsedSeconds)) s")
        return lines.joined(separator: "\n")
    }

    private func percent(_ value: Double) -> String { format(value * 100) + "%" }

    private func format(_ value: Double) -> String {
        let scaled = (value * 100).rounded() / 100
        return String(describing: scaled)
    }
}
