import Foundation
import RampartCore
import Synchronization

/// The experiments the service evaluates, compiled for the hot path and kept in memory, so that evaluation keeps
/// answering while the database is unavailable.
public final class ExperimentRegistry: Sendable {
    /// One immutable generation of the configuration.
    struct Generation: Sendable {
        var byKey: [String: ServedExperiment]
        var ordered: [ServedExperiment]
        /// Changes whenever any definition or coverage changes; part of the bulk-evaluation ETag.
        var version: String
    }

    private let state: Mutex<Generation>

    /// Creates a registry.
    ///
    /// - Parameter experiments: The definitions, each with the coverage currently in force.
    public init(_ experiments: [Experiment] = []) {
        state = Mutex(Self.generation(experiments))
    }

    /// Replaces every definition at once (after a create, update, ramp action or reload).
    public func replace(_ experiments: [Experiment]) {
        let next = Self.generation(experiments)
        state.withLock { $0 = next }
    }

    /// Adds or replaces one definition.
    public func upsert(_ experiment: Experiment) {
        state.withLock { current in
            var all = current.ordered.map(\.compiled.experiment).filter { $0.key != experiment.key }
            all.append(experiment)
            current = Self.generation(all)
        }
    }

    /// The experiment with this key.
    func served(_ key: String) -> ServedExperiment? {
        state.withLock { $0.byKey[key] }
    }

    /// The current generation.
    var current: Generation {
        state.withLock { $0 }
    }

    /// Every definition, in key order.
    public var experiments: [Experiment] {
        current.ordered.map(\.compiled.experiment)
    }

    /// The definition with this key.
    public func experiment(_ key: String) -> Experiment? {
        served(key)?.compiled.experiment
    }

    static func generation(_ experiments: [Experiment]) -> Generation {
        let served = experiments.sorted { $0.key < $1.key }.map(ServedExperiment.init)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var hasher = FNV1a()
        for experiment in experiments.sorted(by: { $0.key < $1.key }) {
            let data = (try? encoder.encode(experiment)) ?? Data()
            for byte in data { hasher.combine(UInt16(byte)) }
        }
        return Generation(
            byKey: Dictionary(served.map { ($0.compiled.experiment.key, $0) }, uniquingKeysWith: { _, last in last }),
            ordered: served,
            version: String(hasher.value, radix: 16)
        )
    }
}
