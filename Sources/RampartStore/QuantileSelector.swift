import Foundation
import GRDBSQLite

/// The second read of a quantile metric: the exact quantile and the per-unit counts at or below it.
///
/// The first read's histogram says which log bin holds the quantile's rank and the rank within the bin. This read
/// sees each unit's values again; per unit it counts `c` (its values) and `a` (its values in lower bins), sums
/// `c`, `c²`, `a`, `a²`, `ac` over units, and keeps only the values inside the quantile's bin, with `a` and `c`
/// of the units that have some. At the end the estimate is the bin's value at the rank, and each such unit's
/// count at or below it is `b = a + d`, `d` its in-bin values up to the estimate, which corrects the sums:
/// Σb = Σa + Σd, Σb² = Σa² + Σ(2ad + d²), Σbc = Σac + Σdc. Memory holds one bin's values (about 1 % of them
/// for a smooth distribution), never all the events.
final class QuantileSelector: RowAccumulator {
    /// Where a quantile's rank falls in the histogram.
    enum Target: Sendable, Hashable {
        /// Among the values at or below 0.
        case nonPositive
        /// In log bin `k`.
        case bin(Int)
    }

    /// A finished selection: the quantile aggregates of one variant.
    struct Selection: Sendable, Hashable {
        var estimate: Double
        var events: Int
        var perUnit: JointStatistics
    }

    struct State {
        var target: Target
        var offset: Int
        var events = 0
        var units = 0
        var c = 0.0, cc = 0.0, a = 0.0, aa = 0.0, ac = 0.0
        var inBin: [Double] = []
        var straddling: [(a: Double, c: Double, values: [Double])] = []
    }

    let lookup: UnitTable.Lookup
    let variants: Int
    /// Per quantile, the argument holding the unit's values.
    let columns: [Int]
    /// `states[quantile * variants + variant]`, `nil` for a variant without values.
    private(set) var states: [State?]

    /// Prepares the second read.
    ///
    /// - Parameters:
    ///   - units: The unit table.
    ///   - columns: Per quantile, the argument holding the unit's values.
    ///   - levels: Per quantile, its level.
    ///   - bins: Per quantile and variant, the first read's histogram.
    init(units: UnitTable, columns: [Int], levels: [Double], bins: [PassAccumulator.QuantileBins]) {
        lookup = units.lookup.pointee
        variants = units.variantKeys.count
        self.columns = columns
        states = bins.enumerated().map { i, b in
            Self.locate(level: levels[i / max(1, units.variantKeys.count)], bins: b).map { State(target: $0.0, offset: $0.1) }
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
        guard unit >= 0, unit < lookup.count else { return }
        let variant = Int(lookup.variant[unit])
        guard variant >= 0 else { return }
        for (q, column) in columns.enumerated() {
            let argument = arguments[column]
            guard sqlite3_value_type(argument) == SQLITE_BLOB, let blob = sqlite3_value_blob(argument),
                var state = states[q * variants + variant]
            else { continue }
            let n = Int(sqlite3_value_bytes(argument)) / MemoryLayout<Double>.size
            var below = 0.0
            var inside: [Double] = []
            for i in 0..<n {
                let x = blob.loadUnaligned(fromByteOffset: i * 8, as: Double.self)
                switch (state.target, ValueHistogram.bin(x)) {
                case (.nonPositive, nil): inside.append(x)
                case (.nonPositive, _): break
                case (.bin, nil): below += 1
                case (.bin(let k), let b?): if b < k { below += 1 } else if b == k { inside.append(x) }
                }
            }
            let c = Double(n)
            state.events += n
            state.units += 1
            state.c += c
            state.cc += c * c
            state.a += below
            state.aa += below * below
            state.ac += below * c
            if !inside.isEmpty {
                state.inBin += inside
                state.straddling.append((below, c, inside))
            }
            states[q * variants + variant] = state
        }
    }

    /// The selections, `selections[quantile * variants + variant]`; `nil` for a variant without values.
    func selections() -> [Selection?] {
        states.map { state in
            guard let state else { return nil }
            let sorted = state.inBin.sorted()
            guard state.offset < sorted.count else {
                return Selection(estimate: .nan, events: state.events, perUnit: JointStatistics())
            }
            let estimate = sorted[state.offset]
            var b = state.a, bb = state.aa, bc = state.ac
            for unit in state.straddling {
                let d = Double(unit.values.filter { $0 <= estimate }.count)
                b += d
                bb += 2 * unit.a * d + d * d
                bc += d * unit.c
            }
            return Selection(
                estimate: estimate, events: state.events,
                perUnit: JointStatistics(
                    x: SufficientStatistics(count: state.units, sum: state.c, sumOfSquares: state.cc),
                    y: SufficientStatistics(count: state.units, sum: b, sumOfSquares: bb),
                    sumOfProducts: bc
                )
            )
        }
    }
}
