import Foundation
import RampartAnalysis
import RampartConfig
import RampartCore
import RampartSimulation
import RampartStore
@testable import RampartCLI

/// Replays a rollout stage by stage on simulated traffic: each stage's enrolled units arrive over the stage's
/// minimum duration, are ingested, the experiment is analysed at the end of the stage, and the verdict is applied
/// (advance, ship or roll back) as a release manager following Rampart would.
struct RolloutReplay {
    let experiment: Experiment
    let store: SQLiteEventStore
    var state: RolloutState
    var clock: Date
    var seed: UInt64
    /// Each stage's verdict, in order.
    var verdicts: [(stage: Int, verdict: Verdict)] = []
    /// Whether the rollout has ended (shipped, rolled back or stopped).
    var ended = false
    /// Days of traffic replayed so far (each stage run lasts its minimum duration, at least a day).
    var days = 0.0

    /// - Parameters:
    ///   - method: The sequential design to replay with; the file's when `nil`.
    init(experimentFile: String, seed: UInt64, method: SequentialDesign? = nil) async throws {
        let loaded = ExperimentLoader.load(path: experimentFile)
        guard var experiment = loaded.experiment, !loaded.hasErrors else {
            throw RampartError(.invalidExperiment, "\(experimentFile): \(loaded.problems)")
        }
        experiment.coverage = experiment.ramp.first?.coverage ?? 1
        if let method { experiment.analysis.sequentialMethod = method }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        store = try SQLiteEventStore(path: dir.appendingPathComponent("rampart.db").path, configuration: .init(synchronous: .normal, cacheSizeMiB: 32))
        clock = Date(timeIntervalSince1970: 1_780_272_000)
        state = RolloutState(experiment: experiment, stageStartedAt: clock)
        try await store.save(state, audit: nil)
        self.experiment = experiment
        self.seed = seed
    }

    /// Runs one stage with `units` newly enrolled units and the given true effects; applies the verdict.
    @discardableResult
    mutating func runStage(units: Int, effects: [SimulationEffect: Double] = [:]) async throws -> ExperimentReport {
        let index = state.stageIndex ?? 0
        let step = experiment.ramp[index]
        let days = max(step.minDuration / 86_400, 1)
        self.days += days
        var settings = SimulationSettings()
        settings.units = units
        settings.days = days
        settings.seed = seed
        settings.startMilliseconds = Int64(clock.timeIntervalSince1970 * 1_000)
        settings.effects = effects
        seed += 1
        let (events, _) = Simulator(experiment: experiment, settings: settings).generate()
        let renamed = events.map { event -> Event in
            var e = event
            e.unit = "s\(index)-\(e.unit)"
            return e
        }
        for chunk in stride(from: 0, to: renamed.count, by: 20_000) {
            _ = try await store.ingest(Array(renamed[chunk..<min(chunk + 20_000, renamed.count)]))
        }
        // The stage ends after its minimum duration, plus a few hours for late events.
        clock = clock.addingTimeInterval(days * 86_400 + 6 * 3_600)
        let report = try await ExperimentAnalyzer(store: store).analyze(state, now: clock)
        verdicts.append((index, report.verdict))
        let action: RampAction?
        switch report.verdict.action {
        case .advance: action = .advance
        case .ship: action = .ship
        case .rollback, .stop: action = .rollback
        case .hold: action = nil
        }
        if let action {
            let (next, audit) = try RampTransition.apply(action, to: state, verdict: report.verdict, actor: "replay", now: clock)
            try await store.save(next, audit: audit)
            state = next
            ended = action != .advance
        }
        return report
    }

    /// The verdict actions so far.
    var actions: [VerdictAction] { verdicts.map(\.verdict.action) }
}
