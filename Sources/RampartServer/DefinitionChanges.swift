import Foundation
import RampartConfig
import RampartCore
import RampartStore

/// Creating and replacing experiment definitions, shared by `POST`/`PUT /v1/experiments` and the console's
/// definitions page, so both apply the same rules: validation as `rampart validate`, the rollout fields kept,
/// changes that would move units refused, the optimistic revision, the audit entry.
struct DefinitionChanges {
    let store: any ControlStore
    let registry: ExperimentRegistry

    /// Parses and validates a definition (YAML or JSON): the experiment, or every problem with its line and field.
    ///
    /// - Parameters:
    ///   - text: The definition.
    ///   - source: What to call it in problems, e.g. `request body`.
    static func parse(_ text: String, source: String) -> Result<Experiment, ProblemList> {
        let loaded = ExperimentLoader.parse(yaml: text, file: source)
        let errors = loaded.problems.filter { $0.severity == .error }
        guard errors.isEmpty, let experiment = loaded.experiment else {
            return .failure(ProblemList(problems: errors.isEmpty ? loaded.problems : errors))
        }
        return .success(experiment)
    }

    struct ProblemList: Error {
        var problems: [ConfigProblem]
    }

    /// Stores a new experiment. Throws `RampartError` `conflict` when the key exists.
    func create(_ experiment: Experiment, actor: String, reason: String) async throws -> RolloutState {
        if try await store.rollout(experiment.key) != nil {
            throw RampartError(.conflict, "experiment '\(experiment.key)' exists")
        }
        let state = RolloutState(experiment: experiment)
        let audit = AuditEntry(experiment: experiment.key, action: "create", actor: actor, at: Date(), from: "absent", to: state.summary, verdict: "n/a", reason: reason, forced: false)
        try await store.save(state, audit: audit)
        registry.upsert(experiment)
        return state
    }

    /// Replaces the definition of a stored experiment, keeping its status, coverage, phase and shipped variant.
    ///
    /// - Throws: ``Reshuffle`` when the change would move units; `RampartError` `conflict` when another writer
    ///   changed the rollout first.
    func update(_ current: RolloutState, to definition: Experiment, actor: String, reason: String) async throws -> RolloutState {
        var experiment = definition
        var current = current
        experiment.status = current.experiment.status
        experiment.coverage = current.experiment.coverage
        experiment.shippedVariant = current.experiment.shippedVariant
        experiment.phase = current.experiment.phase
        let reasons = experiment.reshuffleReasons(from: current.experiment)
        guard reasons.isEmpty else { throw Reshuffle(reasons: reasons) }
        let before = current.summary
        current.experiment = experiment
        current.stageIndex = experiment.ramp.firstIndex { abs($0.coverage - experiment.coverage) < 1e-12 }
        current.revision += 1
        let audit = AuditEntry(experiment: experiment.key, action: "update", actor: actor, at: Date(), from: before, to: current.summary, verdict: "n/a", reason: reason, forced: false)
        try await store.save(current, audit: audit)
        registry.upsert(experiment)
        return current
    }

    /// A change that would re-bucket units; it needs a new phase.
    struct Reshuffle: Error {
        var reasons: [String]
    }
}
