extension Experiment {
    /// Why replacing `previous` by this definition would move units between variants.
    ///
    /// Once an experiment has enrolled units (it is running or paused), changing its variants, their order or
    /// weights, its salt, its unit attribute or its namespace slice re-buckets units that were already exposed, and
    /// corrupts the analysis. Such a change is allowed only together with a new (higher) phase, which reshuffles
    /// every unit on purpose and starts a fresh analysis.
    ///
    /// - Parameter previous: The definition currently in force.
    /// - Returns: One human-readable reason per offending change; empty when the change is safe.
    public func reshuffleReasons(from previous: Experiment) -> [String] {
        guard previous.status == .running || previous.status == .paused else { return [] }
        guard phase <= previous.phase else { return [] }
        var reasons: [String] = []
        let oldKeys = previous.variants.map(\.key)
        let newKeys = variants.map(\.key)
        if oldKeys != newKeys {
            reasons.append("variants changed from [\(oldKeys.joined(separator: ", "))] to [\(newKeys.joined(separator: ", "))]")
        } else {
            for (old, new) in zip(previous.variants, variants) where old.weight != new.weight {
                reasons.append("weight of variant '\(new.key)' changed from \(old.weight) to \(new.weight)")
            }
        }
        if salt != previous.salt { reasons.append("salt changed from '\(previous.salt)' to '\(salt)'") }
        if unit != previous.unit { reasons.append("unit changed from '\(previous.unit)' to '\(unit)'") }
        if namespace != previous.namespace { reasons.append("namespace changed") }
        if phase < previous.phase { reasons.append("phase went back from \(previous.phase) to \(phase)") }
        return reasons.map { $0 + " while the experiment is \(previous.status.rawValue); start a new phase (phase: \(previous.phase + 1)) to reshuffle" }
    }
}
