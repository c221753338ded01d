import Foundation
import GRDBSQLite

/// Counts one read's attributed LLM events per variant, prompt version and model, for SQLite's
/// ``SQLiteEventStore/ranVersions(in:)``: fed one row per event (`rampart_accumulate(unit_id, prompt_version_id,
/// model)`), each unit's variant read from the unit table.
///
/// The read streams along `events`' primary key with no grouping in SQL (a `GROUP BY` of the version and model would
/// sort every event). Consecutive events mostly name the version and model the event before named, so a row is
/// compared with the previous one byte for byte, and strings are made only when they change.
final class RanVersionCounter: RowAccumulator {
    /// A variant (its index in the unit table), a version and a model.
    struct Key: Hashable {
        var variant: Int8
        var version: String?
        var model: String?
    }

    private let lookup: UnitTable.Lookup
    private let variantKeys: [String]
    private(set) var counts: [Key: Int] = [:]
    private var previous: (key: Key, version: [UInt8]?, model: [UInt8]?)?
    private var run = 0

    init(units: UnitTable) {
        lookup = units.lookup.pointee
        variantKeys = units.variantKeys
    }

    override func step(_ arguments: UnsafeMutablePointer<OpaquePointer?>, count: Int) {
        let unit = Int(truncatingIfNeeded: sqlite3_value_int64(arguments[0]))
        guard unit >= 0, unit < lookup.count, lookup.variant[unit] >= 0 else { return }
        let variant = lookup.variant[unit]
        let version = arguments[1], model = arguments[2]
        if let previous, previous.key.variant == variant, Self.same(version, previous.version), Self.same(model, previous.model) {
            run += 1
            return
        }
        flush()
        let versionBytes = Self.bytes(version), modelBytes = Self.bytes(model)
        let key = Key(variant: variant, version: versionBytes.map { String(decoding: $0, as: UTF8.self) }, model: modelBytes.map { String(decoding: $0, as: UTF8.self) })
        previous = (key, versionBytes, modelBytes)
        run = 1
    }

    /// Adds the current run of equal rows to its count.
    private func flush() {
        if let previous, run > 0 { counts[previous.key, default: 0] += run }
        run = 0
    }

    /// The rows counted, with variant keys.
    var rows: [RanVersionCount] {
        flush()
        return counts.map { RanVersionCount(variant: variantKeys[Int($0.key.variant)], promptVersionId: $0.key.version, model: $0.key.model, events: $0.value) }
    }

    /// A text value's bytes, `nil` for NULL.
    private static func bytes(_ value: OpaquePointer?) -> [UInt8]? {
        guard sqlite3_value_type(value) != SQLITE_NULL, let text = sqlite3_value_text(value) else { return nil }
        return Array(UnsafeBufferPointer(start: text, count: Int(sqlite3_value_bytes(value))))
    }

    /// Whether a value holds `bytes` (NULL when `bytes` is `nil`), without copying it.
    private static func same(_ value: OpaquePointer?, _ bytes: [UInt8]?) -> Bool {
        guard sqlite3_value_type(value) != SQLITE_NULL else { return bytes == nil }
        guard let bytes, let text = sqlite3_value_text(value) else { return false }
        let count = Int(sqlite3_value_bytes(value))
        guard count == bytes.count else { return false }
        guard count > 0 else { return true }
        return bytes.withUnsafeBufferPointer { memcmp($0.baseAddress!, text, count) == 0 }
    }
}
