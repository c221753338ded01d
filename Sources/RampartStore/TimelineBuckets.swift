import RampartCore

/// The moments of a timeline as arithmetic buckets, for computing every moment in one SQL query: moments
/// `base + j·step` for `j = 1…count−1`, then the last moment (the as-of moment, or the end of its interval). An
/// event at time `t` belongs to the first moment at or after it, its bucket, which SQL computes without a join.
struct TimelineBuckets {
    let base: Int64
    let step: Int64
    /// The number of moments, the last included.
    let count: Int

    /// - Parameter moments: ``TimelineSweep/moments(_:origin:latestFirst:asOf:)``'s moments, in order.
    /// - Throws: `RampartError` `storage` if the moments before the last are not evenly spaced (they always are).
    init(_ moments: [Int64]) throws {
        count = moments.count
        let regular = moments.dropLast()
        step = regular.count >= 2 ? regular[1] - regular[0] : 1
        base = (regular.first ?? moments.last ?? 0) - step
        guard step > 0, regular.enumerated().allSatisfy({ $0.element == base + Int64($0.offset + 1) * step }) else {
            throw RampartError(.storage, "internal: timeline moments are not evenly spaced")
        }
    }

    /// The bucket (1…``count``) of a time expression: the first moment at or after it.
    func sql(_ time: String) -> PostgresEventStore.Statement {
        let regular = count - 1
        return PostgresEventStore.Statement(
            "(CASE WHEN \(time) > ?::bigint THEN \(count) ELSE greatest(1, (\(time) - ?::bigint + ?::bigint - 1) / ?::bigint) END)",
            [.int(base + Int64(regular) * step), .int(base), .int(step), .int(step)]
        )
    }
}
