extension Experiment {
    /// One change that would move units between variants, with the field it is written in.
    public struct ReshuffleChange: Sendable, Hashable {
        /// The field of the experiment file that changed, e.g. `variants[1].weight` or `salt`.
        public var field: String
        /// What changed, e.g. "weight of variant 'treatment' changed from 0.5 to 0.6".
        public var description: String
    }

    /// Why replacing `previous` by this definition would move units between variants.
    ///
    /// Once an experiment has enrolled units (it is running or paused), changing its variants, their order or
    /// weights, its salt, its unit attribute or its namespace slice re-buckets units that were already exposed, and
    /// corrupts the analysis. Such a change is allowed only together with a new (higher) phase, which reshuffles
    /// every unit on purpose and starts a fresh analysis (see ``reshuffleAdvice(from:)``).
    ///
    /// - Parameter previous: The definition currently in force.
    /// - Returns: One change per offending field; empty when the change is safe.
    public func reshuffleChanges(from previous: Experiment) -> [ReshuffleChange] {
        guard previous.status == .running || previous.status == .paused else { return [] }
        guard phase <= previous.phase else { return [] }
        var changes: [ReshuffleChange] = []
        let oldKeys = previous.variants.map(\.key)
        let newKeys = variants.map(\.key)
        if oldKeys != newKeys {
            changes.append(ReshuffleChange(field: "variants", description: "variants changed from [\(oldKeys.joined(separator: ", "))] to [\(newKeys.joined(separator: ", "))]"))
        } else {
            for (index, (old, new)) in zip(previous.variants, variants).enumerated() where old.weight != new.weight {
                changes.append(ReshuffleChange(field: "variants[\(index)].weight", description: "weight of variant '\(new.key)' changed from \(old.weight) to \(new.weight)"))
            }
        }
        if salt != previous.salt { changes.append(ReshuffleChange(field: "salt", description: "salt changed from '\(previous.salt)' to '\(salt)'")) }
        if unit != previous.unit { changes.append(ReshuffleChange(field: "unit", description: "unit changed from '\(previous.unit)' to '\(unit)'")) }
        if namespace != previous.namespace { changes.append(ReshuffleChange(field: "namespace", description: "namespace changed")) }
        if phase < previous.phase { changes.append(ReshuffleChange(field: "phase", description: "phase went back from \(previous.phase) to \(phase)")) }
        return changes
    }

    /// Why replacing `previous` by this definition would move units between variants, in words: each change of
    /// ``reshuffleChanges(from:)`` with the state that forbids it, e.g. "salt changed from 'a' to 'b' while the
    /// experiment is running". The remedy, said once, is ``reshuffleAdvice(from:)``.
    ///
    /// - Parameter previous: The definition currently in force.
    /// - Returns: One sentence per offending change; empty when the change is safe.
    public func reshuffleReasons(from previous: Experiment) -> [String] {
        reshuffleChanges(from: previous).map { "\($0.description) while the experiment is \(previous.status.rawValue)" }
    }

    /// How to make a reshuffling change on purpose: "start a new phase (phase: N) to reshuffle".
    ///
    /// - Parameter previous: The definition currently in force.
    public func reshuffleAdvice(from previous: Experiment) -> String {
        "start a new phase (phase: \(previous.phase + 1)) to reshuffle"
    }
}
