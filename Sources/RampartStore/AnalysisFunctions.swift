import Foundation
import GRDB
import GRDBSQLite

/// The SQL functions an analysis registers on its connection for the duration of its queries.
///
/// - `rampart_start(unit_id, window_ms, temporary)`: the earliest timestamp of the unit's events the query reads —
///   its first exposure minus the window for units enrolled at the as-of moment (and, when `temporary` is 1, for
///   units enrolled at some earlier moment), `Int64.max` (nothing) for the others;
/// - `rampart_first(unit_id)`: the unit's first exposure, `Int64.max` if none;
/// - `rampart_collect(x)`: an aggregate, the non-NULL values of a group as a blob of doubles;
/// - `rampart_collect_ts(ts, x)`: an aggregate, the pairs (ts, x) of a group whose ts is not NULL as a blob of
///   (Int64, Double), x NULL counting 0;
/// - `rampart_concat(blob)`: an aggregate, the non-NULL blobs of a group (lists from the two above) one after the
///   other, NULL if there are none;
/// - `rampart_accumulate(unit_id, ...)`: an aggregate feeding a ``RowAccumulator`` the rows its filter admits.
///
/// They go through SQLite's C interface, not GRDB's `DatabaseFunction`, because they run once per event: no
/// argument array is allocated per call.
enum AnalysisFunctions {
    /// Registers the functions, runs `body`, and unregisters them.
    ///
    /// - Parameters:
    ///   - db: The connection.
    ///   - units: The unit table the per-unit functions read; it must outlive the call.
    ///   - accumulator: What `rampart_accumulate` feeds.
    ///   - body: The queries.
    static func with<T>(_ db: Database, units: UnitTable, accumulator: RowAccumulator, _ body: () throws -> T) throws -> T {
        let connection = db.sqliteConnection
        let lookup = UnsafeMutableRawPointer(units.lookup)
        let flags = SQLITE_UTF8
        var codes: [Int32] = []
        codes.append(sqlite3_create_function_v2(connection, "rampart_start", 3, flags, lookup, startFunction, nil, nil, nil))
        codes.append(sqlite3_create_function_v2(connection, "rampart_first", 1, flags, lookup, firstFunction, nil, nil, nil))
        codes.append(sqlite3_create_function_v2(connection, "rampart_collect", 1, flags, nil, nil, collectStep, collectFinal, nil))
        codes.append(sqlite3_create_function_v2(connection, "rampart_collect_ts", 2, flags, nil, nil, collectPairStep, collectFinal, nil))
        codes.append(sqlite3_create_function_v2(connection, "rampart_concat", 1, flags, nil, nil, concatStep, collectFinal, nil))
        let retained = Unmanaged.passRetained(accumulator).toOpaque()
        codes.append(sqlite3_create_function_v2(connection, "rampart_accumulate", -1, flags, retained, nil, accumulateStep, accumulateFinal, releaseAccumulator))
        defer {
            for (name, arguments) in [("rampart_start", 3), ("rampart_first", 1), ("rampart_collect", 1), ("rampart_collect_ts", 2), ("rampart_concat", 1), ("rampart_accumulate", -1)] {
                sqlite3_create_function_v2(connection, name, Int32(arguments), flags, nil, nil, nil, nil, nil)
            }
        }
        if let failed = codes.first(where: { $0 != SQLITE_OK }) {
            throw DatabaseError(resultCode: ResultCode(rawValue: failed), message: "cannot register the analysis functions")
        }
        return try withExtendedLifetime(units) { try body() }
    }
}

private let startFunction: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { context, _, arguments in
    let l = sqlite3_user_data(context)!.assumingMemoryBound(to: UnitTable.Lookup.self).pointee
    let unit = Int(truncatingIfNeeded: sqlite3_value_int64(arguments![0]))
    var start = Int64.max
    if unit >= 0, unit < l.count {
        let first = l.first[unit]
        if first != .max, l.variant[unit] >= 0 || (sqlite3_value_int64(arguments![2]) != 0 && l.multi[unit] > first) {
            let window = sqlite3_value_int64(arguments![1])
            start = first >= Int64.min + window ? first - window : .min
        }
    }
    sqlite3_result_int64(context, start)
}

private let firstFunction: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { context, _, arguments in
    let l = sqlite3_user_data(context)!.assumingMemoryBound(to: UnitTable.Lookup.self).pointee
    let unit = Int(truncatingIfNeeded: sqlite3_value_int64(arguments![0]))
    sqlite3_result_int64(context, unit >= 0 && unit < l.count ? l.first[unit] : .max)
}

/// The growable byte buffer of one group of `rampart_collect`, in SQLite's zeroed aggregate context.
private struct CollectBuffer {
    var base: UnsafeMutableRawPointer?
    var count: Int
    var capacity: Int

    mutating func append<T>(_ value: T) {
        let size = MemoryLayout<T>.size
        if count + size > capacity {
            capacity = max(64, capacity * 2)
            base = realloc(base, capacity)
        }
        base!.storeBytes(of: value, toByteOffset: count, as: T.self)
        count += size
    }

    mutating func append(bytes: UnsafeRawPointer, count size: Int) {
        if count + size > capacity {
            capacity = max(64, capacity * 2, count + size)
            base = realloc(base, capacity)
        }
        (base! + count).copyMemory(from: bytes, byteCount: size)
        count += size
    }
}

private func buffer(_ context: OpaquePointer?) -> UnsafeMutablePointer<CollectBuffer> {
    sqlite3_aggregate_context(context, Int32(MemoryLayout<CollectBuffer>.stride))!.assumingMemoryBound(to: CollectBuffer.self)
}

private let collectStep: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { context, _, arguments in
    let value = arguments![0]
    guard sqlite3_value_type(value) != SQLITE_NULL else { return }
    buffer(context).pointee.append(sqlite3_value_double(value))
}

private let collectPairStep: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { context, _, arguments in
    let ts = arguments![0]
    guard sqlite3_value_type(ts) != SQLITE_NULL else { return }
    let b = buffer(context)
    b.pointee.append(sqlite3_value_int64(ts))
    b.pointee.append(sqlite3_value_double(arguments![1]))
}

private let concatStep: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { context, _, arguments in
    let value = arguments![0]
    guard sqlite3_value_type(value) == SQLITE_BLOB else { return }
    let size = Int(sqlite3_value_bytes(value))
    guard size > 0, let bytes = sqlite3_value_blob(value) else { return }
    buffer(context).pointee.append(bytes: bytes, count: size)
}

private let collectFinal: @convention(c) (OpaquePointer?) -> Void = { context in
    guard let raw = sqlite3_aggregate_context(context, 0) else {
        sqlite3_result_null(context)
        return
    }
    let b = raw.assumingMemoryBound(to: CollectBuffer.self)
    guard let base = b.pointee.base else {
        sqlite3_result_null(context)
        return
    }
    b.pointee.base = nil
    sqlite3_result_blob(context, base, Int32(b.pointee.count), { free($0) })
}

private let accumulateStep: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { context, count, arguments in
    let accumulator = Unmanaged<RowAccumulator>.fromOpaque(sqlite3_user_data(context)!).takeUnretainedValue()
    guard accumulator.admits(sqlite3_value_int64(arguments![0])) else { return }
    accumulator.step(arguments!, count: Int(count))
}

private let accumulateFinal: @convention(c) (OpaquePointer?) -> Void = { context in
    sqlite3_result_null(context)
}

private let releaseAccumulator: @convention(c) (UnsafeMutableRawPointer?) -> Void = { pointer in
    if let pointer { Unmanaged<RowAccumulator>.fromOpaque(pointer).release() }
}
