import ArgumentParser
import RampartBench
import RampartStats

/// `rampart bench guardrail-risk`: how the verdict's `advance_risk` threshold trades needless holds of a harmless
/// change against advances of a harmful one, by simulating ramps (docs/rollouts.md, "Guardrails at risk").
struct GuardrailRiskBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "guardrail-risk",
        abstract: "Simulate ramps with an A/A and a harmful guardrail; compare advance_risk thresholds."
    )

    @Option(name: .long, parsing: .upToNextOption, help: "True relative effects on the guardrail, one table each (0 = A/A).")
    var effects: [Double] = [0, 0.4]

    @Option(name: .long, parsing: .upToNextOption, help: "advance_risk thresholds to compare (1 = rule off).")
    var thresholds: [Double] = [0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 1]

    @Option(name: .long, help: "Simulated rollouts per threshold.")
    var rollouts: Int = 400

    @Option(name: .long, help: "Days after which a rollout still ramping counts as stuck.")
    var horizon: Int = 60

    @Option(name: .long, help: "Eligible units a day at 100 % coverage.")
    var eligiblePerDay: Int = 42_000

    @Flag(name: .long, help: "Enrol every eligible unit whatever the stage (as the fixtures were generated) instead of coverage × eligible.")
    var constantTraffic = false

    @Option(name: .long, help: "The guardrail's control rate (escalations per unit).")
    var rate: Double = 0.12

    @Option(name: .long, help: "The guardrail's relative margin.")
    var margin: Double = 0.02

    @Option(name: .long, help: "Random seed.")
    var seed: UInt = 20_261_130

    @Option(name: .long, help: "Control units and guardrail events already observed, UNITS:EVENTS (e.g. a fixture's).")
    var fromControl: String?

    @Option(name: .long, help: "Treatment units and guardrail events already observed, UNITS:EVENTS.")
    var fromTreatment: String?

    static func observed(_ text: String?, _ name: String) throws -> SampleStatistics {
        guard let text else { return .proportion(successes: 0, units: 0) }
        let parts = text.split(separator: ":").compactMap { Int($0) }
        guard parts.count == 2, parts[0] >= parts[1], parts[1] >= 0 else {
            throw ValidationError("--\(name) '\(text)': expected UNITS:EVENTS with 0 ≤ EVENTS ≤ UNITS, e.g. 998:111")
        }
        return .proportion(successes: Double(parts[1]), units: parts[0])
    }

    mutating func run() throws {
        GuardrailRiskTable(
            effects: effects, thresholds: thresholds, rollouts: rollouts, horizon: horizon, eligiblePerDay: eligiblePerDay,
            constantTraffic: constantTraffic, rate: rate, margin: margin, seed: seed,
            control: try Self.observed(fromControl, "from-control"), treatment: try Self.observed(fromTreatment, "from-treatment")
        ).run()
    }
}
