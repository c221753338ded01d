import Foundation
import RampartCore

/// Generates realistic event streams for an experiment, with known true effects (docs/events.md, "Simulator").
///
/// Each unit arrives at a random time over the period, is assigned by the real assignment engine
/// (`CompiledExperiment`), logs an exposure each time it is served, makes several LLM requests (log-normal latency
/// with a Pareto tail, log-normal token counts, cost from tokens through a price table, some failures), completes
/// a task, sometimes rates the answer, and sometimes has its ticket resolved. A latent per-unit quality ties task
/// completion, escalation, feedback and resolution together. Each unit draws from its own stream of the seeded
/// generator, so the output depends only on the experiment, the settings and the seed.
public struct Simulator {
    public let experiment: Experiment
    public let settings: SimulationSettings
    let prices = PriceTable.standard
    let compiled: CompiledExperiment

    public init(experiment: Experiment, settings: SimulationSettings) {
        var running = experiment
        running.status = .running
        self.experiment = running
        self.settings = settings
        self.compiled = CompiledExperiment(running, coverage: settings.coverage)
    }

    /// One generated event and when it reaches the collector.
    struct Emission {
        var arrival: Int64
        var order: Int
        var event: Event
    }

    /// The events, in order of arrival, and what was generated per variant.
    public func generate() -> (events: [Event], truth: SimulationTruth) {
        var emissions: [Emission] = []
        emissions.reserveCapacity(settings.units * 10)
        var truth = SimulationTruth()
        for index in 0..<settings.units {
            simulateUnit(index, into: &emissions, truth: &truth)
        }
        emissions.sort { ($0.arrival, $0.order) < ($1.arrival, $1.order) }
        truth.events = emissions.count
        return (emissions.map(\.event), truth)
    }

    /// The events of the units with the given indices, in order of arrival among them, adding what was generated to
    /// `truth`; lets a caller generate a large population in chunks.
    ///
    /// - Parameters:
    ///   - units: The unit indices, within `0..<settings.units` for the same units `generate()` would give.
    ///   - truth: What was generated per variant, accumulated.
    public func events(units: Range<Int>, truth: inout SimulationTruth) -> [Event] {
        var emissions: [Emission] = []
        for index in units {
            simulateUnit(index, into: &emissions, truth: &truth)
        }
        emissions.sort { ($0.arrival, $0.order) < ($1.arrival, $1.order) }
        return emissions.map(\.event)
    }

    /// The events as NDJSON, one per line, in order of arrival.
    public func ndjson() -> (bytes: [UInt8], truth: SimulationTruth) {
        let (events, truth) = generate()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(events.count * 330)
        for event in events { event.appendNDJSON(to: &bytes) }
        return (bytes, truth)
    }

    static let day: Double = 86_400_000
    static let minute: Double = 60_000
}
