/// What a ``SequentialDesignSimulation`` measured.
public struct SequentialDesignReport: Sendable, Hashable, CustomStringConvertible {
    /// Decisions of one design.
    public struct Outcome: Sendable, Hashable {
        /// Share of experiments with a significant look (false-positive rate for A/A, power otherwise).
        public var rate: Double
        /// Median day of the first significant look over all experiments, an undecided one counting
        /// as never; `nil` when half or more never decide.
        public var medianDecisionDay: Double?
        /// Median day of the first significant look among the experiments that decided.
        public var medianDecisionDayDecided: Double?

        /// Summarises the first-decision day of each experiment (`nil`: never decided).
        public init(decisionDays: [Double?]) {
            let decided = decisionDays.compactMap { $0 }.sorted()
            let all = decisionDays.map { $0 ?? .infinity }.sorted()
            rate = decisionDays.isEmpty ? 0 : Double(decided.count) / Double(decisionDays.count)
            let middle = all.isEmpty ? nil : all[(all.count - 1) / 2]
            medianDecisionDay = middle.flatMap { $0.isFinite ? $0 : nil }
            medianDecisionDayDecided = decided.isEmpty ? nil : decided[(decided.count - 1) / 2]
        }
    }

    /// The simulation that produced the report.
    public var simulation: SequentialDesignSimulation
    /// The normal-mixture sequence (two-sided).
    public var mixture: Outcome
    /// Group-sequential α-spending (two-sided).
    public var alphaSpending: Outcome
    /// Share with a significant one-sided (treatment greater) α-spending look, as a guardrail reads it.
    public var alphaSpendingOneSidedRate: Double
    /// Share significant with the fixed-horizon test read once at the planned end.
    public var fixedAtPlannedEndRate: Double
    /// √(α(1 − α)/experiments).
    public var monteCarloStandardError: Double
    /// Wall-clock seconds.
    public var elapsedSeconds: Double

    /// Whether both α-spending false-positive rates are at most α + 2 Monte Carlo standard errors (A/A runs).
    public var alphaSpendingWithinAlpha: Bool {
        let limit = simulation.alpha + 2 * monteCarloStandardError
        return alphaSpending.rate <= limit && alphaSpendingOneSidedRate <= limit
    }

    public var description: String {
        let s = simulation
        let kind = s.relativeEffect == 0 ? "A/A (false-positive rates)" : "effect \(format(s.relativeEffect * 100))% (decision rates = power)"
        var lines = [
            "Sequential designs — \(kind)",
            "  \(s.experiments) experiments × \(s.days) days (plan \(s.plannedDays)), \(s.looksPerDay) look(s)/day, \(s.ramp ? "ramp 1→5→25→50→100 % of \(4 * s.unitsPerDayPerArm)" : "\(s.unitsPerDayPerArm)") units/arm/day, \(s.metric), α = \(format(s.alpha)), seed \(s.seed)",
            "  alpha-spending information: \(s.calendar ? "calendar (day / \(s.plannedDays))" : "units (over the plan's units)")",
            "  fixed horizon, read once at day \(s.plannedDays): \(percent(fixedAtPlannedEndRate))",
            "  mixture (n* = \(format(s.sequentialTuning))):       \(line(mixture))",
            "  alpha-spending (\(s.spending.rawValue)): \(line(alphaSpending))",
            "  alpha-spending one-sided:        \(percent(alphaSpendingOneSidedRate))",
            "  Monte Carlo SE at α: \(percent(monteCarloStandardError))",
        ]
        if s.relativeEffect == 0 {
            lines.append("  alpha-spending ≤ α + 2 SE: \(alphaSpendingWithinAlpha ? "yes" : "NO")")
        } else if fixedAtPlannedEndRate > 0 {
            lines.append("  alpha-spending power / fixed: \(percent(alphaSpending.rate / fixedAtPlannedEndRate)); mixture / fixed: \(percent(mixture.rate / fixedAtPlannedEndRate))")
        }
        lines.append("  elapsed: \(format(elapsedSeconds)) s")
        return lines.joined(separator: "\n")
    }

    private func line(_ outcome: Outcome) -> String {
        let all = outcome.medianDecisionDay.map(format) ?? "never (< 50 % decide)"
        let decided = outcome.medianDecisionDayDecided.map(format) ?? "–"
        return "\(percent(outcome.rate)), median day \(all), median day among decided \(decided)"
    }

    private func percent(_ value: Double) -> String { format(value * 100) + "%" }

    private func format(_ value: Double) -> String { String(describing: (value * 100).rounded() / 100) }
}
