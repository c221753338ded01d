import Foundation
import GRDB
import GRDBSQLite
import RampartCore

/// One experiment phase's units as they stood at the as-of moment, in dense arrays indexed by unit id: what the
/// SQL functions of an analysis read instead of looking each event's unit up in `exposure_units`.
///
/// Memory grows with the number of units (about 26 bytes each), never with the number of events. The arrays are
/// written once while loading and only read afterwards, by several connections at once.
final class UnitTable: @unchecked Sendable {
    /// What the C functions read, through `sqlite3_user_data`.
    struct Lookup {
        var count: Int
        /// First exposure, `Int64.max` for units not exposed by the as-of moment.
        var first: UnsafeMutablePointer<Int64>
        /// When the unit became multi-variant, `Int64.max` if not by the as-of moment.
        var multi: UnsafeMutablePointer<Int64>
        /// The variant index of units enrolled at the as-of moment, −1 for the others.
        var variant: UnsafeMutablePointer<Int8>
        /// The variant of the earliest exposure, for every unit exposed by the as-of moment, −1 for the others.
        var firstVariant: UnsafeMutablePointer<Int8>
    }

    /// The experiment's variant keys, in key order; variant indices point into it.
    let variantKeys: [String]
    /// The as-of moment in milliseconds (`Int64.max` for everything).
    let asOf: Int64
    /// Enrolment and exclusions as of the moment.
    private(set) var attribution = Attribution()
    /// The earliest first exposure of any unit, if anyone was exposed by the moment.
    private(set) var origin: Int64?
    /// The latest first exposure, if anyone was exposed by the moment.
    private(set) var latestFirst: Int64?
    let lookup: UnsafeMutablePointer<Lookup>

    var count: Int { lookup.pointee.count }

    private init(variantKeys: [String], asOf: Int64, count: Int) {
        self.variantKeys = variantKeys
        self.asOf = asOf
        lookup = .allocate(capacity: 1)
        lookup.initialize(to: Lookup(
            count: count,
            first: .allocate(capacity: max(count, 1)), multi: .allocate(capacity: max(count, 1)),
            variant: .allocate(capacity: max(count, 1)), firstVariant: .allocate(capacity: max(count, 1))
        ))
        lookup.pointee.first.initialize(repeating: .max, count: max(count, 1))
        lookup.pointee.multi.initialize(repeating: .max, count: max(count, 1))
        lookup.pointee.variant.initialize(repeating: -1, count: max(count, 1))
        lookup.pointee.firstVariant.initialize(repeating: -1, count: max(count, 1))
    }

    deinit {
        lookup.pointee.first.deallocate()
        lookup.pointee.multi.deallocate()
        lookup.pointee.variant.deallocate()
        lookup.pointee.firstVariant.deallocate()
        lookup.deallocate()
    }

    /// Reads `exposure_units` of one experiment phase as of the scope's moment.
    ///
    /// - Parameters:
    ///   - experiment: The experiment, phase and moment.
    ///   - db: The connection.
    ///   - members: When set, only these units (a segment's, ``SegmentStore``) are read; the others are left out
    ///     as if never exposed.
    /// - Returns: The table, or `nil` when the experiment was never exposed.
    static func load(_ experiment: ExperimentScope, db: Database, members: Set<Int64>? = nil) throws -> UnitTable? {
        guard let id = try SQLiteEventStore.experimentID(experiment, db: db) else { return nil }
        let variants = try SQLiteEventStore.variantIDs(id, db: db)
        let maxUnit = try Int64.fetchOne(db, sql: "SELECT max(unit_id) FROM exposure_units WHERE experiment_id = ?", arguments: [id]) ?? -1
        let asOf = experiment.asOfMilliseconds
        let table = UnitTable(variantKeys: variants.map(\.0), asOf: asOf, count: Int(maxUnit + 1))
        var index: [Int64: Int8] = [:]
        for (i, (_, variantID)) in variants.enumerated() { index[variantID] = Int8(truncatingIfNeeded: i) }

        let l = table.lookup.pointee
        var enrolled = [Int](repeating: 0, count: variants.count)
        var multiUnits = 0
        var exposures = 0
        var recount: [Int64] = []
        var origin = Int64.max
        var latest = Int64.min
        let statement = try db.makeStatement(sql: """
            SELECT unit_id, variant_id, first_ts, multi_ts, last_ts, exposures
            FROM exposure_units WHERE experiment_id = ? AND first_ts <= ?
            """)
        try statement.setArguments([id, asOf])
        let s = statement.sqliteStatement
        defer { sqlite3_reset(s) }
        while true {
            let code = sqlite3_step(s)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw DatabaseError.step(code, on: db.sqliteConnection)
            }
            let unit = Int(sqlite3_column_int64(s, 0))
            guard unit >= 0, unit < l.count, let v = index[sqlite3_column_int64(s, 1)] else { continue }
            if let members, !members.contains(Int64(unit)) { continue }
            let first = sqlite3_column_int64(s, 2)
            let multi = sqlite3_column_type(s, 3) == SQLITE_NULL ? Int64.max : sqlite3_column_int64(s, 3)
            l.first[unit] = first
            l.firstVariant[unit] = v
            origin = min(origin, first)
            latest = max(latest, first)
            if multi != .max, multi <= asOf {
                l.multi[unit] = multi
                multiUnits += 1
            } else {
                l.variant[unit] = v
                enrolled[Int(v)] += 1
            }
            if sqlite3_column_int64(s, 4) <= asOf {
                exposures += Int(sqlite3_column_int64(s, 5))
            } else {
                recount.append(Int64(unit))
            }
        }
        exposures += try exposuresUpTo(asOf, units: recount, experiment: experiment, db: db)

        table.attribution = Attribution(
            multiVariantUnits: multiUnits, exposures: exposures,
            firstExposure: origin == .max ? nil : Date(timeIntervalSince1970: Double(origin) / 1000)
        )
        for (i, key) in table.variantKeys.enumerated() where enrolled[i] > 0 { table.attribution.enrolled[key] = enrolled[i] }
        table.origin = origin == .max ? nil : origin
        table.latestFirst = latest == .min ? nil : latest
        return table
    }

    /// The exposure events up to a moment of units that were exposed again after it: per unit from `events` (by
    /// primary key), plus those still in `events_staged` (one grouped scan, not one per unit).
    static func exposuresUpTo(_ asOf: Int64, units: [Int64], experiment: ExperimentScope, db: Database) throws -> Int {
        guard !units.isEmpty,
            let name = try Int64.fetchOne(db, sql: "SELECT id FROM event_names WHERE name = ?", arguments: [EventName.exposure])
        else { return 0 }
        let filter = "name_id = ? AND ts <= ? AND experiment = ? AND coalesce(phase, 0) = ?"
        let statement = try db.makeStatement(sql: "SELECT count(*) FROM events WHERE \(filter) AND unit_id = ?")
        var total = 0
        for unit in units {
            total += try Int.fetchOne(statement, arguments: [name, asOf, experiment.key, experiment.phase, unit]) ?? 0
        }
        let staged = try Row.fetchAll(
            db, sql: "SELECT unit_id, count(*) FROM events_pending WHERE \(filter) GROUP BY unit_id",
            arguments: [name, asOf, experiment.key, experiment.phase]
        )
        if !staged.isEmpty {
            let wanted = Set(units)
            for row in staged where wanted.contains(row[0]) { total += row[1] as Int }
        }
        return total
    }
}
