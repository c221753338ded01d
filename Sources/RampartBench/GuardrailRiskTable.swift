import Foundation
import RampartStats

/// `rampart bench guardrail-risk`'s workload: simulated ramps of support-answer-prompt (``GuardrailRiskSimulation``)
/// for each true effect, one Markdown table per effect comparing `advance_risk` thresholds.
public struct GuardrailRiskTable {
    /// True relative effects on the guardrail, one table each (0 = A/A).
    public var effects: [Double]
    /// `advance_risk` thresholds to compare (1 = rule off).
    public var thresholds: [Double]
    /// Simulated rollouts per threshold.
    public var rollouts: Int
    /// Days after which a rollout still ramping counts as stuck.
    public var horizon: Int
    /// Eligible units a day at 100 % coverage.
    public var eligiblePerDay: Int
    /// Enrol every eligible unit whatever the stage instead of coverage × eligible.
    public var constantTraffic: Bool
    /// The guardrail's control rate and relative margin.
    public var rate: Double, margin: Double
    /// Random seed.
    public var seed: UInt
    /// Units and guardrail events already observed per arm.
    public var control: SampleStatistics, treatment: SampleStatistics

    public init(
        effects: [Double], thresholds: [Double], rollouts: Int, horizon: Int, eligiblePerDay: Int, constantTraffic: Bool,
        rate: Double, margin: Double, seed: UInt, control: SampleStatistics, treatment: SampleStatistics
    ) {
        self.effects = effects
        self.thresholds = thresholds
        self.rollouts = rollouts
        self.horizon = horizon
        self.eligiblePerDay = eligiblePerDay
        self.constantTraffic = constantTraffic
        self.rate = rate
        self.margin = margin
        self.seed = seed
        self.control = control
        self.treatment = treatment
    }

    /// Runs the simulations and prints the header and the tables.
    public func run() {
        let traffic = constantTraffic ? "\(eligiblePerDay) units/day at every stage" : "\(eligiblePerDay) eligible/day × stage coverage"
        print("rampart bench guardrail-risk: support-answer-prompt's ramp (1%/1d/200, 5%/1d/500, 25%/2d/2000, 50%/3d/5000 per arm, 100%), \(traffic)")
        print("guardrail: rate \(rate), relative margin \(margin), sequential α 0.05 n* 5000; \(rollouts) rollouts per threshold, horizon \(horizon) days, seed \(seed)")
        if control.units + treatment.units > 0 {
            print("starting from control \(control.units) units / \(Int(control.sum)) events, treatment \(treatment.units) / \(Int(treatment.sum))")
        }
        for effect in effects {
            let simulation = GuardrailRiskSimulation(
                rollouts: rollouts, horizonDays: horizon, eligiblePerDay: eligiblePerDay, scalesWithCoverage: !constantTraffic,
                rate: rate, margin: margin, relativeEffect: effect, thresholds: thresholds, seed: seed,
                initialControl: control, initialTreatment: treatment
            )
            print("")
            print("true effect \(String(format: "%+.0f%%", effect * 100))\(effect == 0 ? " (A/A)" : "")")
            print("| advance_risk | held looks | past stage 1 | reached 100 % | mean / median days to 100 % | rolled back | rollback day mean / median / 90 % | treated units |")
            print("| --- | --- | --- | --- | --- | --- | --- | --- |")
            for row in simulation.run() {
                let days = row.meanDaysToLastStage.map { String(format: "%.1f / %.0f", $0, row.medianDaysToLastStage ?? 0) } ?? "–"
                let rollback = row.meanRollbackDay.map { String(format: "%.1f / %.0f / %.0f", $0, row.medianRollbackDay ?? 0, row.rollbackDay90 ?? 0) } ?? "–"
                print("| \(row.threshold >= 1 ? "off" : String(format: "%.2g", row.threshold)) | \(percent(row.heldLooks)) | \(percent(row.advancedPastFirstStage)) | \(percent(row.reachedLastStage)) | \(days) | \(percent(row.rolledBack)) | \(rollback) | \(String(format: "%.0f", row.meanTreatedUnits)) |")
            }
        }
    }

    private func percent(_ x: Double) -> String {
        String(format: "%.0f%%", x * 100)
    }
}
