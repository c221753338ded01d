/// GrowthBook-compatible bucketing: hashing a unit into [0, 1), variant ranges, and namespaces.
///
/// Every function here is pure and matches the public GrowthBook SDK test vectors (see docs/bucketing.md).
public enum Bucketing {
    /// Hashes a unit with a seed into a number in [0, 1).
    ///
    /// - Parameters:
    ///   - seed: The experiment's seed (its salt, with the phase when greater than 0).
    ///   - value: The unit identifier.
    ///   - version: 1 (`fnv1a32(value + seed) % 1000 / 1000`) or 2
    ///     (`fnv1a32(String(fnv1a32(seed + value))) % 10000 / 10000`).
    /// - Returns: The bucket value, or `nil` for an unknown hash version.
    @inlinable
    public static func hash(seed: String, value: String, version: Int = 2) -> Double? {
        switch version {
        case 2:
            var inner = FNV1a()
            inner.combine(seed)
            inner.combine(value)
            var outer = FNV1a()
            outer.combineDecimal(inner.value)
            return Double(outer.value % 10_000) / 10_000
        case 1:
            var h = FNV1a()
            h.combine(value)
            h.combine(seed)
            return Double(h.value % 1_000) / 1_000
        default:
            return nil
        }
    }

    /// Equal weights for `count` variants; empty when `count` is not positive.
    public static func equalWeights(count: Int) -> [Double] {
        guard count > 0 else { return [] }
        return Array(repeating: 1.0 / Double(count), count: count)
    }

    /// The half-open range of bucket values that each variant receives.
    ///
    /// Variant `i` starts at the cumulative weight of the variants before it and covers `coverage × weight[i]` of
    /// the line. Raising coverage therefore only widens each range: a unit never moves between variants while
    /// traffic ramps up. Weights that don't match `count`, or don't sum to 1 within 0.01, fall back to equal
    /// weights; coverage is clamped to [0, 1].
    ///
    /// - Parameters:
    ///   - count: The number of variants.
    ///   - coverage: The share of eligible units enrolled.
    ///   - weights: The variant weights, or `nil` for equal weights.
    public static func bucketRanges(count: Int, coverage: Double, weights: [Double]?) -> [BucketRange] {
        let coverage = coverage.isNaN ? 0 : min(max(coverage, 0), 1)
        let equal = equalWeights(count: count)
        var chosen = weights ?? equal
        if chosen.count != count { chosen = equal }
        let total = chosen.reduce(0, +)
        if !(total >= 0.99 && total <= 1.01) { chosen = equal }
        var cumulative = 0.0
        return chosen.map { weight in
            let start = cumulative
            cumulative += weight
            return BucketRange(start: start, end: start + coverage * weight)
        }
    }

    /// The index of the range that contains `n`, or `nil` when none does.
    @inlinable
    public static func chooseVariation(_ n: Double, ranges: [BucketRange]) -> Int? {
        for (index, range) in ranges.enumerated() where range.contains(n) {
            return index
        }
        return nil
    }

    /// Whether a unit falls inside a namespace's slice, so that experiments sharing a namespace never share a unit.
    ///
    /// - Parameters:
    ///   - unit: The unit identifier.
    ///   - namespace: The namespace and the slice of it that the experiment owns.
    @inlinable
    public static func inNamespace(unit: String, namespace: Namespace) -> Bool {
        guard let n = hash(seed: "__" + namespace.id, value: unit, version: 1) else { return false }
        return n >= namespace.start && n < namespace.end
    }
}
