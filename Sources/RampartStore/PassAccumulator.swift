import Foundation
import GRDBSQLite

/// Sums the per-unit rows of one ``EventPass`` into per-variant sufficient statistics.
///
/// Each row is one unit with at least one event of the pass's name: its metric values (from the counts and sums
/// SQL computed), its pre-exposure covariates, the values a quantile ranks, and the events a timeline steps through.
/// Units without a row add nothing to any sum; they are counted from the attribution. Only enrolled units (at the
/// as-of moment) count, except in the timeline, which follows each unit's enrolment over time.
final class PassAccumulator: RowAccumulator {
    /// Per-variant sums of one metric: units with a matching event, Σx, Σx², and for a covariate x′: Σx′, Σx′², Σxx′.
    struct Sums: Sendable, Hashable {
        var unitsWithEvents = 0
        var sum = 0.0
        var sumOfSquares = 0.0
        var preSum = 0.0
        var preSumOfSquares = 0.0
        var sumOfProducts = 0.0
    }

    /// Per-variant state of a quantile's first pass: the histogram and the per-unit event counts.
    struct QuantileBins: Sendable, Hashable {
        var events = 0
        /// Units with at least one value, Σc and Σc² of their value counts c.
        var units = 0
        var c = 0.0
        var cc = 0.0
        var bins: [Int: Int] = [:]
        var nonPositive = 0
        var minimum = Double.infinity
    }

    let pass: EventPass
    let lookup: UnitTable.Lookup
    let variants: Int
    /// The unit ids this accumulator sees; kept values and counts are indexed from its lower bound.
    let shard: Range<Int>
    /// `sums[value * variants + variant]`.
    private(set) var sums: [Sums]
    /// Per value of ``EventPass/values`` kept for pairs: every unit's value, indexed by unit id − shard start (0
    /// for units without one).
    private(set) var kept: [[Double]]
    /// `bins[quantile * variants + variant]`.
    private(set) var bins: [QuantileBins]
    /// Per quantile: every enrolled unit's value count, indexed by unit id − shard start, for the second pass.
    private(set) var valueCounts: [[Int32]]
    private(set) var timeline: TimelineSweep?

    init(pass: EventPass, units: UnitTable, shard: Range<Int>, timeline: TimelineSweep?) {
        self.pass = pass
        self.shard = shard
        self.lookup = units.lookup.pointee
        self.variants = units.variantKeys.count
        sums = Array(repeating: Sums(), count: pass.values.count * units.variantKeys.count)
        kept = pass.values.map { $0.keep ? Array(repeating: 0, count: shard.count) : [] }
        bins = Array(repeating: QuantileBins(), count: pass.quantiles.count * units.variantKeys.count)
        valueCounts = pass.quantiles.map { _ in Array(repeating: 0, count: shard.count) }
        self.timeline = timeline
    }

    override func step(_ arguments: UnsafeMutablePointer<OpaquePointer?>, count: Int) {
        let unit = Int(truncatingIfNeeded: sqlite3_value_int64(arguments[0]))
        guard shard.contains(unit), unit < lookup.count else { return }
        let variant = Int(lookup.variant[unit])
        if variant >= 0 {
            for (j, spec) in pass.values.enumerated() {
                let c = sqlite3_value_double(arguments[spec.count])
                let x = spec.value(count: c, sum: spec.sum.map { sqlite3_value_double(arguments[$0]) } ?? 0)
                var s = sums[j * variants + variant]
                if c > 0 { s.unitsWithEvents += 1 }
                s.sum += x
                s.sumOfSquares += x * x
                if let preCount = spec.preCount {
                    let p = spec.value(count: sqlite3_value_double(arguments[preCount]), sum: spec.preSum.map { sqlite3_value_double(arguments[$0]) } ?? 0)
                    s.preSum += p
                    s.preSumOfSquares += p * p
                    s.sumOfProducts += x * p
                }
                sums[j * variants + variant] = s
                if spec.keep { kept[j][unit - shard.lowerBound] = x }
            }
            for (q, spec) in pass.quantiles.enumerated() {
                let argument = arguments[spec.values]
                guard sqlite3_value_type(argument) == SQLITE_BLOB, let blob = sqlite3_value_blob(argument) else { continue }
                let n = Int(sqlite3_value_bytes(argument)) / MemoryLayout<Double>.size
                // Mutated in place: a copy of the state would copy its dictionary for every unit.
                let slot = q * variants + variant
                bins[slot].events += n
                bins[slot].units += 1
                bins[slot].c += Double(n)
                bins[slot].cc += Double(n) * Double(n)
                valueCounts[q][unit - shard.lowerBound] = Int32(clamping: n)
                for i in 0..<n {
                    let x = blob.loadUnaligned(fromByteOffset: i * 8, as: Double.self)
                    if let k = ValueHistogram.bin(x) {
                        bins[slot].bins[k, default: 0] += 1
                    } else {
                        bins[slot].nonPositive += 1
                        bins[slot].minimum = min(bins[slot].minimum, x)
                    }
                }
            }
        }
        if let spec = pass.timeline, timeline != nil {
            let argument = arguments[spec.events]
            guard sqlite3_value_type(argument) == SQLITE_BLOB, let blob = sqlite3_value_blob(argument) else { return }
            let n = Int(sqlite3_value_bytes(argument)) / 16
            timeline!.add(unit: unit, lookup: lookup, events: n) { i in
                (blob.loadUnaligned(fromByteOffset: i * 16, as: Int64.self), blob.loadUnaligned(fromByteOffset: i * 16 + 8, as: Double.self))
            }
        }
    }

    /// What the pass found, to carry out of the database read.
    var output: PassOutput {
        PassOutput(pass: pass, shard: shard, variants: variants, sums: sums, kept: kept, bins: bins, valueCounts: valueCounts, timeline: timeline)
    }
}

/// The result of one ``EventPass``.
struct PassOutput: Sendable {
    var pass: EventPass
    /// The unit ids it covers.
    var shard: Range<Int>
    var variants: Int
    var sums: [PassAccumulator.Sums]
    var kept: [[Double]]
    var bins: [PassAccumulator.QuantileBins]
    var valueCounts: [[Int32]]
    var timeline: TimelineSweep?
    /// Per quantile of the pass and variant, filled by the second pass.
    var quantiles: [QuantileSelector.Selection?] = []

    /// Adds the output of the same pass over the next shard of units (`other.shard` starts where ``shard`` ends).
    ///
    /// Shards are merged in unit order, so the sums do not depend on how many passes ran at once.
    mutating func merge(_ other: PassOutput) {
        precondition(other.shard.lowerBound == shard.upperBound, "shards are merged in order")
        shard = shard.lowerBound..<other.shard.upperBound
        for i in sums.indices {
            let o = other.sums[i]
            sums[i].unitsWithEvents += o.unitsWithEvents
            sums[i].sum += o.sum
            sums[i].sumOfSquares += o.sumOfSquares
            sums[i].preSum += o.preSum
            sums[i].preSumOfSquares += o.preSumOfSquares
            sums[i].sumOfProducts += o.sumOfProducts
        }
        for j in kept.indices { kept[j] += other.kept[j] }
        for i in bins.indices {
            let o = other.bins[i]
            bins[i].events += o.events
            bins[i].units += o.units
            bins[i].c += o.c
            bins[i].cc += o.cc
            bins[i].bins.merge(o.bins, uniquingKeysWith: +)
            bins[i].nonPositive += o.nonPositive
            bins[i].minimum = min(bins[i].minimum, o.minimum)
        }
        for q in valueCounts.indices { valueCounts[q] += other.valueCounts[q] }
        if let o = other.timeline { timeline?.merge(o) }
    }
}
