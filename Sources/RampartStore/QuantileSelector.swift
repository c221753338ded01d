import Foundation
import GRDBSQLite

/// The second read of a quantile metric: the exact quantile and the per-unit counts above it.
///
/// The first read's histogram says which log bin holds the quantile's rank and the rank within the bin, and it kept
/// every unit's value count `c` (Σc and Σc² too). This read only sees the values in that bin or above it (a `WHERE`
/// on the value drops the rest before grouping, so for a p95 it aggregates about 5 % of the events). Per unit it
/// counts the values in higher bins and keeps the values inside the quantile's bin. At the end the estimate is the
/// bin's value at the rank; each unit's count above it is `u` (higher bins plus in-bin values above the estimate),
/// and with `b = c − u` its count at or below: Σb = Σc − Σu, Σb² = Σc² − 2Σcu + Σu², Σbc = Σc² − Σcu. Memory
/// holds one bin's values (about 1 % of them for a smooth distribution), never all the events.
final class QuantileSelector: RowAccumulator {
    /// Where a quantile's rank falls in the histogram.
    enum Target: Sendable, Hashable {
        /// Among the values at or below 0.
        case nonPositive
        /// In log bin `k`.
        case bin(Int)

        /// The smallest value the second read must see (slightly below the bin's lower edge), `nil` for all.
        var lowerBound: Double? {
            guard case .bin(let k) = self else { return nil }
            return pow(ValueHistogram.growth, Double(k)) * (1 - 1e-9)
        }
    }

    /// A finished selection: the quantile aggregates of one variant.
    struct Selection: Sendable, Hashable {
        var estimate: Double
        var events: Int
        var perUnit: JointStatistics
    }

    struct State: Sendable {
        var target: Target
        var offset: Int
        var first: PassAccumulator.QuantileBins
        /// Σu, Σu², Σcu over units with values in higher bins only.
        var u = 0.0, uu = 0.0, cu = 0.0
        var inBin: [Double] = []
        /// Units with values inside the bin: c, the count in higher bins, and the in-bin values.
        var straddling: [(c: Double, above: Double, values: [Double])] = []
    }

    let lookup: UnitTable.Lookup
    let variants: Int
    /// Per quantile, the argument holding the unit's values in the second read.
    var columns: [Int] = []
    let valueCounts: [[Int32]]
    /// The first unit id of ``valueCounts``.
    let countsStart: Int
    /// `states[quantile * variants + variant]`, `nil` for a variant without values.
    private(set) var states: [State?]

    /// Prepares the second read.
    ///
    /// - Parameters:
    ///   - units: The unit table.
    ///   - levels: Per quantile, its level.
    ///   - first: The first read's output (histograms and value counts).
    init(units: UnitTable, levels: [Double], first: PassOutput) {
        lookup = units.lookup.pointee
        variants = units.variantKeys.count
        valueCounts = first.valueCounts
        countsStart = first.shard.lowerBound
        states = first.bins.enumerated().map { i, b in
            Self.locate(level: levels[i / max(1, units.variantKeys.count)], bins: b).map { State(target: $0.0, offset: $0.1, first: b) }
        }
    }

    /// Per quantile, the smallest value the second read must see over all variants (`nil`: every value).
    func lowerBounds(quantiles: Int) -> [Double?] {
        (0..<quantiles).map { q in
            var bound: Double? = .infinity
            for v in 0..<variants {
                guard let state = states[q * variants + v] else { continue }
                guard let b = state.target.lowerBound, let current = bound else { bound = nil; continue }
                bound = min(current, b)
            }
            return bound
        }
    }

    /// The bin holding rank ⌈level·n⌉ − 1 (0-based) and the rank within it; `nil` without values.
    static func locate(level: Double, bins: PassAccumulator.QuantileBins) -> (Target, Int)? {
        guard bins.events > 0 else { return nil }
        var rank = max(0, Int((level * Double(bins.events)).rounded(.up)) - 1)
        if rank < bins.nonPositive { return (.nonPositive, rank) }
        rank -= bins.nonPositive
        for k in bins.bins.keys.sorted() {
            let n = bins.bins[k]!
            if rank < n { return (.bin(k), rank) }
            rank -= n
        }
        return nil
    }

    override func step(_ arguments: UnsafeMutablePointer<OpaquePointer?>, count: Int) {
        let unit = Int(truncatingIfNeeded: sqlite3_value_int64(arguments[0]))
        guard unit >= countsStart, unit < lookup.count else { return }
        let variant = Int(lookup.variant[unit])
        guard variant >= 0 else { return }
        for (q, column) in columns.enumerated() {
            let argument = arguments[column]
            let slot = q * variants + variant
            guard sqlite3_value_type(argument) == SQLITE_BLOB, let blob = sqlite3_value_blob(argument),
                let target = states[slot]?.target
            else { continue }
            let n = Int(sqlite3_value_bytes(argument)) / MemoryLayout<Double>.size
            var above = 0.0
            var inside: [Double] = []
            for i in 0..<n {
                let x = blob.loadUnaligned(fromByteOffset: i * 8, as: Double.self)
                switch (target, ValueHistogram.bin(x)) {
                case (.nonPositive, nil): inside.append(x)
                case (.nonPositive, _): above += 1
                case (.bin, nil): break
                case (.bin(let k), let b?): if b > k { above += 1 } else if b == k { inside.append(x) }
                }
            }
            let c = Double(valueCounts[q][unit - countsStart])
            // Mutated in place: a copy of the state would copy its arrays for every unit.
            if inside.isEmpty {
                states[slot]!.u += above
                states[slot]!.uu += above * above
                states[slot]!.cu += c * above
            } else {
                states[slot]!.inBin += inside
                states[slot]!.straddling.append((c, above, inside))
            }
        }
    }

    /// Adds the second read over other units.
    static func merge(_ states: inout [State?], _ other: [State?]) {
        for i in states.indices {
            guard let o = other[i] else { continue }
            states[i]!.u += o.u
            states[i]!.uu += o.uu
            states[i]!.cu += o.cu
            states[i]!.inBin += o.inBin
            states[i]!.straddling += o.straddling
        }
    }

    /// The selections, `selections[quantile * variants + variant]`; `nil` for a variant without values.
    static func selections(_ states: [State?]) -> [Selection?] {
        states.map { state in
            guard let state else { return nil }
            let sorted = state.inBin.sorted()
            let f = state.first
            guard state.offset < sorted.count else {
                return Selection(estimate: .nan, events: f.events, perUnit: JointStatistics())
            }
            let estimate = sorted[state.offset]
            var u = state.u, uu = state.uu, cu = state.cu
            for unit in state.straddling {
                let x = unit.above + Double(unit.values.filter { $0 > estimate }.count)
                u += x
                uu += x * x
                cu += unit.c * x
            }
            return Selection(
                estimate: estimate, events: f.events,
                perUnit: JointStatistics(
                    x: SufficientStatistics(count: f.units, sum: f.c, sumOfSquares: f.cc),
                    y: SufficientStatistics(count: f.units, sum: f.c - u, sumOfSquares: f.cc - 2 * cu + uu),
                    sumOfProducts: f.cc - cu
                )
            )
        }
    }
}
