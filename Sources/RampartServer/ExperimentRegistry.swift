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
        /// When this generation's source was read: a moment of ``Moments``, so that an older read never replaces it.
        var readAt = 0
    }

    /// The generation in force, and the last moment handed out (to a reload about to read, or to a change made here).
    struct Moments: Sendable {
        var generation: Generation
        var issued = 0
    }

    private let state: Mutex<Moments>

    /// Creates a registry.
    ///
    /// - Parameter experiments: The definitions, each with the coverage currently in force.
    public init(_ experiments: [Experiment] = []) {
        state = Mutex(Moments(generation: Self.generation(experiments)))
    }

    /// The moment a reload is about to read the store at; pass it to ``replace(_:readAt:)``.
    public func readingMoment() -> Int {
        state.withLock { state in
            state.issued += 1
            return state.issued
        }
    }

    /// Replaces every definition with what a reload read, unless what is in force is newer: a change made here, or
    /// another reload's read, after `moment`. (A reload that read the store before a create, update or ramp action
    /// committed would otherwise undo it until the next reload.)
    ///
    /// - Parameters:
    ///   - experiments: The definitions the reload read.
    ///   - moment: ``readingMoment()`` taken before the reload read the store.
    /// - Returns: Whether the definitions were replaced.
    public func replace(_ experiments: [Experiment], readAt moment: Int) -> Bool {
        var next = Self.generation(experiments)
        next.readAt = moment
        return state.withLock { state in
            guard moment > state.generation.readAt else { return false }
            state.generation = next
            return true
        }
    }

    /// Adds or replaces one definition.
    public func upsert(_ experiment: Experiment) {
        state.withLock { state in
            var all = state.generation.ordered.map(\.compiled.experiment).filter { $0.key != experiment.key }
            all.append(experiment)
            state.issued += 1
            state.generation = Self.generation(all)
            state.generation.readAt = state.issued
        }
    }

    /// The experiment with this key.
    func served(_ key: String) -> ServedExperiment? {
        state.withLock { $0.generation.byKey[key] }
    }

    /// The current generation.
    var current: Generation {
        state.withLock { $0.generation }
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
