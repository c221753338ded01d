import PostgresNIO

/// An experiment's enrolled units as of a moment, as dense arrays over each shard of unit ids: the first exposure's
/// time and the variant id of the unit at each id, bound as two `bigint[]` parameters to an analysis read, which
/// then attributes each event by subscripting them (`first[unit_id − lower + 1]`) instead of joining it to
/// `exposure_units`.
///
/// The join probed a hash table of every enrolled unit once per event read (about 1.1 µs per event at 1,000,000
/// units, the larger part of a pass); a subscript of an array with no nulls is an offset (docs/performance.md,
/// "Session 14: PostgreSQL attribution by array"). Units not enrolled as of the moment (not exposed yet,
/// multi-variant by then, outside the segment read, or ids of other experiments' units) hold ``notEnrolled``, which
/// no event reaches.
struct PostgresUnitArrays: Sendable {
    /// The first exposure of a unit that is not enrolled: later than any event (and than any event plus a covariate
    /// window), without overflow when a window is subtracted from it.
    static let notEnrolled = Int64.max / 2

    /// One shard's arrays.
    struct Shard: Sendable {
        /// The unit ids covered.
        let range: Range<Int64>
        /// Per unit id from `range.lowerBound`: the first exposure in milliseconds, or ``notEnrolled``.
        let first: [Int64]
        /// Per unit id from `range.lowerBound`: the variant id, or 0.
        let variant: [Int64]
        /// The two arrays as the parameters bound to each read.
        let encoded: (first: PostgresInt8Array, variant: PostgresInt8Array)

        init(range: Range<Int64>, first: [Int64], variant: [Int64]) {
            self.range = range
            self.first = first
            self.variant = variant
            encoded = (PostgresInt8Array(first), PostgresInt8Array(variant))
        }

        /// `SQL[unit]` for the element of `array` (a placeholder bound to one of the arrays) at the event's unit.
        static func element(_ array: String, unit: String) -> String {
            "(\(array)::bigint[])[(\(unit) - ?::bigint + 1)::integer]"
        }

        /// The events of `names` in the shard up to `asOf`, each with its unit's `first_ts` and `variant_id` from
        /// the arrays (``PostgresUnitArrays/notEnrolled`` and 0 for units not enrolled), as a relation named `e`
        /// with the columns `reading` refers to as `e.column` (and `unit_id` and `ts`).
        ///
        /// The subscripts are computed once per event: `OFFSET 0` keeps the planner from folding the subquery into
        /// the statement, where each reference to `first_ts` would subscript the array again.
        func events(names: [Int64], asOf: Int64, reading sql: String) -> PostgresEventStore.Statement {
            let lower = PostgresEventStore.Value.int(range.lowerBound)
            let list = names.map { _ in "?" }.joined(separator: ", ")
            let columns = (["unit_id", "ts"] + PostgresUnitArrays.columns(readBy: sql)).map { "e.\($0)" }.joined(separator: ", ")
            return PostgresEventStore.Statement("""
                (
                    SELECT \(columns), \(Self.element("?", unit: "e.unit_id")) AS first_ts, \(Self.element("?", unit: "e.unit_id")) AS variant_id
                    FROM events AS e
                    WHERE e.name_id IN (\(list)) AND e.unit_id >= ? AND e.unit_id < ? AND e.ts <= ?
                    OFFSET 0
                ) AS e
                """, [.int8Array(encoded.first), lower, .int8Array(encoded.variant), lower] + names.map { .int($0) } + [.int(range.lowerBound), .int(range.upperBound), .int(asOf)])
        }

        /// ``events(names:asOf:reading:)`` of one metric: its name's events at or after the unit's first exposure, meeting
        /// its filter (`FROM` and `WHERE`; `e.variant_id` is the unit's variant).
        ///
        /// - Parameter reading: The SQL that reads the events' columns besides the filter (the value ranked).
        func attributed(_ query: MetricQuery, name: Int64, asOf: Int64, reading sql: String) throws -> PostgresEventStore.Statement {
            let filter = try PostgresMetricSQL.filter(query)
            let source = events(names: [name], asOf: asOf, reading: sql + " " + filter.sql)
            return PostgresEventStore.Statement("\(source.sql) WHERE e.ts >= e.first_ts AND (\(filter.sql))", source.values + filter.values)
        }
    }

    let shards: [Shard]

    /// The columns of `events` (other than `unit_id` and `ts`) that `sql` refers to as `e.column`.
    ///
    /// The analysis's SQL names columns only that way (``PostgresMetricSQL/Column``), so the subquery that
    /// attributes events passes those on, not every column of every event.
    static func columns(readBy sql: String) -> [String] {
        let bytes = Array(sql.utf8)
        func isWord(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F }
        var found = Set<String>()
        var i = 0
        while i + 2 < bytes.count {
            if bytes[i] == UInt8(ascii: "e"), bytes[i + 1] == UInt8(ascii: "."), i == 0 || !isWord(bytes[i - 1]) {
                var j = i + 2
                while j < bytes.count, isWord(bytes[j]) { j += 1 }
                found.insert(String(decoding: bytes[(i + 2)..<j], as: UTF8.self))
                i = j
            } else {
                i += 1
            }
        }
        return eventColumns.filter { found.contains($0) }
    }

    /// The columns of `events` a read may refer to, in table order.
    static let eventColumns = ["uuid", "name_id"] + EventColumns.v1.map(\.name) + ["props"]

    /// One shard over every shard's units (the shards are consecutive ranges), for a read that ranks values
    /// across units.
    var whole: Shard {
        guard let lower = shards.first?.range.lowerBound, let upper = shards.last?.range.upperBound else {
            return Shard(range: 0..<1, first: [Self.notEnrolled], variant: [0])
        }
        return Shard(range: lower..<upper, first: shards.flatMap(\.first), variant: shards.flatMap(\.variant))
    }

    /// Spreads the enrolled units (in any order) over the shards' arrays.
    ///
    /// - Parameters:
    ///   - shards: The unit-id ranges, disjoint.
    ///   - units: The enrolled units' ids, first exposures and variant ids, aligned.
    init(shards: [Range<Int64>], units: [Int64], first: [Int64], variant: [Int64]) {
        var firsts = shards.map { Array(repeating: Self.notEnrolled, count: $0.count) }
        var variants = shards.map { Array(repeating: Int64(0), count: $0.count) }
        let lowers = shards.map(\.lowerBound)
        for (i, unit) in units.enumerated() {
            // The shard whose range holds the unit: the last one starting at or before it.
            var low = 0, high = lowers.count
            while low < high {
                let mid = (low + high) / 2
                if lowers[mid] <= unit { low = mid + 1 } else { high = mid }
            }
            let s = low - 1
            guard s >= 0, shards[s].contains(unit) else { continue }
            let offset = Int(unit - lowers[s])
            firsts[s][offset] = first[i]
            variants[s][offset] = variant[i]
        }
        self.shards = shards.indices.map { Shard(range: shards[$0], first: firsts[$0], variant: variants[$0]) }
    }
}

extension PostgresEventStore {
    /// The units enrolled in an experiment as of `asOf` (first exposure by then, not multi-variant by then), spread
    /// over `shards`: one statement whose three arrays PostgreSQL aggregates in one order, read in the analysis's
    /// transaction (and so restricted to a segment's units when one is set).
    func unitArrays(experiment: Int64, asOf: Int64, shards: [Range<Int64>], on c: PostgresConnection) async throws -> PostgresUnitArrays {
        let row = try await rows(Statement("""
            SELECT coalesce(array_agg(f.unit_id), '{}'), coalesce(array_agg(f.first_ts), '{}'), coalesce(array_agg(f.variant_id::bigint), '{}')
            FROM exposure_units AS f WHERE f.experiment_id = ? AND f.first_ts <= ? AND (f.multi_ts IS NULL OR f.multi_ts > ?)
            """, [.int(experiment), .int(asOf), .int(asOf)]), on: c)[0]
        let (units, first, variant) = try row.decode(([Int64], [Int64], [Int64]).self)
        return PostgresUnitArrays(shards: shards, units: units, first: first, variant: variant)
    }
}
