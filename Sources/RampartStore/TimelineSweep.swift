import Foundation
import RampartCore

/// A metric's cumulative per-variant sums at several moments, built in one read of its events.
///
/// A unit counts at moment `T` when it was first exposed by `T` and not yet exposed to a second variant; its
/// value is the metric over its events up to `T`. Rather than re-reading the events per moment, each unit's value
/// is followed through its events in time order and only its changes are recorded, as differences at the first
/// moment they show (`Σx` and `Σx²` each); a prefix sum over moments then gives every point. Memory is two arrays
/// per variant with one slot per moment.
struct TimelineSweep: Sendable {
    /// The moments, inclusive, in milliseconds, ascending.
    let boundaries: [Int64]
    /// What the moments are reported as.
    let moments: [Date]
    let aggregation: MetricQuery.Aggregation
    let cap: Double?
    let variants: Int
    /// `sum[variant * (boundaries.count + 1) + i]`: the change of Σx at moment `i`.
    private(set) var sum: [Double]
    private(set) var squares: [Double]

    init(boundaries: [Int64], moments: [Date], aggregation: MetricQuery.Aggregation, cap: Double?, variants: Int) {
        self.boundaries = boundaries
        self.moments = moments
        self.aggregation = aggregation
        self.cap = cap
        self.variants = variants
        sum = Array(repeating: 0, count: variants * (boundaries.count + 1))
        squares = sum
    }

    /// The first moment at or after `ts`, `boundaries.count` if none.
    func index(_ ts: Int64) -> Int {
        var low = 0, high = boundaries.count
        while low < high {
            let mid = (low + high) / 2
            if boundaries[mid] < ts { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The moments a unit is enrolled at: from its first exposure to its second variant.
    func enrolment(_ unit: Int, _ lookup: UnitTable.Lookup) -> (variant: Int, range: Range<Int>)? {
        let first = lookup.first[unit]
        let variant = Int(lookup.firstVariant[unit])
        guard first != .max, variant >= 0 else { return nil }
        let start = index(first)
        let end = lookup.multi[unit] == .max ? boundaries.count : index(lookup.multi[unit])
        return start < end ? (variant, start..<end) : nil
    }

    /// Follows one unit's value through its events.
    ///
    /// - Parameters:
    ///   - unit: The unit id.
    ///   - lookup: The unit table.
    ///   - events: How many matching events the unit has (at or after its first exposure).
    ///   - event: The `i`th event's timestamp and contribution (1 for counts and indicators, the value for sums).
    mutating func add(unit: Int, lookup: UnitTable.Lookup, events: Int, event: (Int) -> (Int64, Double)) {
        guard let (variant, range) = enrolment(unit, lookup) else { return }
        var list = (0..<events).map(event)
        if !zip(list, list.dropFirst()).allSatisfy({ $0.0 <= $1.0 }) { list.sort { $0.0 < $1.0 } }
        let base = variant * (boundaries.count + 1)
        var raw = 0.0
        for (ts, contribution) in list {
            let at = max(index(ts), range.lowerBound)
            if at >= range.upperBound { break }
            let next: Double
            switch aggregation {
            case .indicator: next = 1
            case .count: next = raw + 1
            case .sum: next = raw + contribution
            }
            let old = capped(raw), new = capped(next)
            if new != old {
                sum[base + at] += new - old
                squares[base + at] += new * new - old * old
            }
            raw = next
        }
        if range.upperBound < boundaries.count {
            let x = capped(raw)
            sum[base + range.upperBound] -= x
            squares[base + range.upperBound] -= x * x
        }
    }

    /// Adds the changes recorded for other units.
    mutating func merge(_ other: TimelineSweep) {
        for i in sum.indices {
            sum[i] += other.sum[i]
            squares[i] += other.squares[i]
        }
    }

    func capped(_ x: Double) -> Double { cap.map { min(x, $0) } ?? x }

    /// The points: per moment and variant, enrolled units and the prefix sums.
    func points(units: UnitTable) -> [TimelineAggregates] {
        let n = boundaries.count
        var enrolled = [Int](repeating: 0, count: variants * (n + 1))
        let lookup = units.lookup.pointee
        for unit in 0..<lookup.count {
            guard let (variant, range) = enrolment(unit, lookup) else { continue }
            enrolled[variant * (n + 1) + range.lowerBound] += 1
            enrolled[variant * (n + 1) + range.upperBound] -= 1
        }
        var points = moments.map { TimelineAggregates(at: $0, variants: [:]) }
        for variant in 0..<variants {
            var count = 0, s = 0.0, q = 0.0
            let base = variant * (n + 1)
            for i in 0..<n {
                count += enrolled[base + i]
                s += sum[base + i]
                q += squares[base + i]
                if count > 0 {
                    points[i].variants[units.variantKeys[variant]] = SufficientStatistics(count: count, sum: s, sumOfSquares: max(0, q))
                }
            }
        }
        return points
    }

    /// The moments of a timeline: the end of each interval (UTC) since the earliest first exposure that falls
    /// before the as-of moment, thinned to at most `maxPoints`, then the as-of moment itself.
    ///
    /// - Parameters:
    ///   - request: The interval and the most points.
    ///   - units: The unit table (its origin, latest first exposure and as-of moment).
    /// - Returns: Inclusive moments in milliseconds with the dates to report them at; empty when nobody was exposed.
    static func moments(_ request: AnalysisRequest.Timeline, units: UnitTable) -> [(Int64, Date)] {
        moments(request, origin: units.origin, latestFirst: units.latestFirst, asOf: units.asOf)
    }

    /// The moments of a timeline from the earliest and latest first exposures (as of `asOf`), for stores without a
    /// ``UnitTable``.
    static func moments(_ request: AnalysisRequest.Timeline, origin: Int64?, latestFirst: Int64?, asOf: Int64) -> [(Int64, Date)] {
        guard let origin, let latest = latestFirst else { return [] }
        let interval = max(1, EventPass.milliseconds(request.interval))
        let start = origin >= 0 ? origin / interval * interval : ((origin + 1) / interval - 1) * interval
        func date(_ ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }
        let end = asOf
        // Interval ends before the end; without an as-of moment, up to the one holding the latest first exposure.
        let ends: Int64 = end == .max ? (latest - start) / interval : (end - start - 1) / interval
        var ks: [Int64] = ends > 0 ? Array(1...ends) : []
        let room = max(0, request.maxPoints - 1)
        if ks.count > room {
            let stride = room == 0 ? Int64.max : (Int64(ks.count) + Int64(room) - 1) / Int64(room)
            ks = ks.filter { $0 % stride == 0 }
        }
        var result = ks.map { k in (start + k * interval - 1, date(start + k * interval - 1)) }
        let lastAt = end == .max ? date(start + (ends + 1) * interval - 1) : date(end)
        result.append((end, lastAt))
        return result
    }
}
