import ArgumentParser
import Foundation
import RampartConfig
import RampartCore
import RampartSimulation

/// `rampart simulate`: realistic NDJSON for an experiment, with chosen true effects.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Generate realistic NDJSON events for an experiment file, with chosen true effects.",
        discussion: """
            Effects are relative changes in every non-control variant, e.g. --effect resolution=+4% --effect escalation=+30% \
            --effect latency=+15%. Behaviours: \(SimulationEffect.allCases.map(\.rawValue).joined(separator: ", ")). \
            The same seed gives the same output. See docs/events.md.
            """
    )

    @Argument(help: "The experiment YAML file.")
    var experimentFile: String

    // Numeric options parse their value unconditionally, so that `--units -5` is refused as a negative number
    // rather than read as a missing value followed by an unknown flag.
    @Option(name: .long, parsing: .unconditional, help: "Units to simulate.")
    var units: Int = 2000

    @Option(name: .long, parsing: .unconditional, help: "Days over which units arrive.")
    var days: Double = 14

    @Option(name: .long, help: "The seed.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "The first arrival, RFC 3339.")
    var start: String = "2026-06-01T00:00:00Z"

    @Option(name: .long, parsing: .unconditional, help: "Coverage used for assignment (1 enrols every unit).")
    var coverage: Double = 1

    @Option(name: .customLong("effect"), help: "A true relative effect in treatment, as a percentage (resolution=+4%) or a fraction between -1 and 1 (resolution=0.04); repeatable.")
    var effects: [String] = []

    @Option(name: .customLong("multi-exposure-rate"), parsing: .unconditional, help: "Share of units also exposed to another variant.")
    var multiExposureRate: Double = 0.002

    @Option(name: [.customShort("o"), .customLong("output")], help: "Write NDJSON here instead of standard output.")
    var output: String?

    @Option(name: .customLong("truth"), help: "Write the ground truth (settings, effects, seed, command, per-variant expectations) as JSON here.")
    var truthPath: String?

    mutating func run() throws {
        let loaded = ExperimentLoader.load(path: experimentFile)
        guard let experiment = loaded.experiment, !loaded.hasErrors else {
            let problems = loaded.problems.filter { $0.severity == .error }.map(\.description).joined(separator: "\n")
            throw CLIFailure("\(experimentFile) has errors:\n\(problems)")
        }
        let settings = try settings()
        let simulator = Simulator(experiment: experiment, settings: settings)
        let (bytes, truth) = simulator.ndjson()
        if let output {
            try Data(bytes).write(to: URL(fileURLWithPath: output))
        } else {
            FileHandle.standardOutput.write(Data(bytes))
        }
        if let truthPath {
            let document = GroundTruth(
                command: "rampart " + CommandLine.arguments.dropFirst().joined(separator: " "),
                experiment: experiment.key, control: experiment.control, settings: settings, generated: truth
            )
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(document).write(to: URL(fileURLWithPath: truthPath))
        }
    }

    func settings() throws -> SimulationSettings {
        guard units > 0 else { throw ValidationError("--units must be a positive whole number, got \(units)") }
        guard days > 0 else { throw ValidationError("--days must be positive, got \(days)") }
        guard coverage > 0, coverage <= 1 else { throw ValidationError("--coverage must be above 0 and at most 1, got \(coverage)") }
        guard multiExposureRate >= 0, multiExposureRate < 1 else { throw ValidationError("--multi-exposure-rate must be at least 0 and below 1, got \(multiExposureRate)") }
        guard let startMs = RFC3339.milliseconds(from: start) else { throw ValidationError("--start: '\(start)' is not an RFC 3339 timestamp") }
        var settings = SimulationSettings()
        settings.units = units
        settings.days = days
        settings.seed = seed
        settings.startMilliseconds = startMs
        settings.coverage = coverage
        settings.multiExposureRate = multiExposureRate
        settings.effects = try Self.parseEffects(effects)
        return settings
    }

    /// Parses `name=+4%` (a percentage) and `name=-0.1` (a fraction, between -1 and 1). A number without `%` outside
    /// that range is refused rather than read as a fraction: `resolution=+4` would otherwise mean +400 %.
    static func parseEffects(_ specs: [String]) throws -> [SimulationEffect: Double] {
        var effects: [SimulationEffect: Double] = [:]
        for spec in specs {
            let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let effect = SimulationEffect(rawValue: parts[0]) else {
                throw ValidationError("--effect '\(spec)': expected behaviour=±N% with a behaviour among \(SimulationEffect.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var text = parts[1]
            let percent = text.hasSuffix("%")
            if percent { text.removeLast() }
            guard let value = Double(text), value.isFinite else {
                throw ValidationError("--effect '\(spec)': '\(parts[1])' is not a number such as +4% or -0.1")
            }
            if !percent, abs(value) >= 1 {
                throw ValidationError("--effect '\(spec)': '\(parts[1])' without % would be a fraction, \(value >= 0 ? "+" : "")\(Int((value * 100).rounded()))%; write \(parts[1])% for a percentage, or a fraction between -1 and 1 such as 0.04")
            }
            let relative = percent ? value / 100 : value
            guard relative > -1 else { throw ValidationError("--effect '\(spec)': a relative change must be above -100%") }
            effects[effect] = relative
        }
        return effects
    }
}

/// The ground truth written beside a simulated stream.
struct GroundTruth: Codable {
    var command: String
    var experiment: String
    var control: String
    var settings: SimulationSettings
    var generated: SimulationTruth
}
