import Foundation
import RampartCore

/// A batch of events checked and turned into bind-ready values before it reaches the writer.
///
/// Encoding runs on the caller's task, so it overlaps with the previous batch's transaction; the writer then only
/// looks up dictionary ids and binds numbers and byte ranges (no hashing of property names, no allocation).
struct EncodedBatch: Sendable {
    /// One value to bind to a typed column or to `props`.
    struct Bind: Sendable {
        enum Kind: UInt8, Sendable { case integer, real, text }
        var column: Int32
        var kind: Kind
        var integer: Int64 = 0
        var real: Double = 0
        var textStart: Int32 = 0
        var textCount: Int32 = 0
    }

    /// What an exposure adds to attribution.
    struct ExposureKey: Sendable {
        var scope: ExperimentScope
        var variant: String
    }

    /// For each encoded event: its position in the caller's batch.
    var positions: [Int] = []
    var names: [String] = []
    var units: [String] = []
    var timestamps: [Int64] = []
    var uuids: [uuid_t] = []
    var exposures: [ExposureKey?] = []
    /// `binds[bindStarts[i]..<bindStarts[i + 1]]` belong to event `i`.
    var bindStarts: [Int] = [0]
    var binds: [Bind] = []
    /// The UTF-8 bytes of every text value and `props` document, back to back.
    var text: [UInt8] = []
    var rejections: [EventRejection] = []

    var count: Int { positions.count }

    /// The column `props` is bound to: after the fixed and typed columns.
    static let propsColumn = Int32(EventColumns.fixedCount + EventColumns.typed.count + 1)

    /// Checks and encodes events.
    ///
    /// - Parameters:
    ///   - events: The events.
    ///   - unitKey: How a unit id is stored (itself, or its keyed hash).
    init(_ events: [Event], unitKey: (String) -> String) {
        positions.reserveCapacity(events.count)
        binds.reserveCapacity(events.count * 12)
        text.reserveCapacity(events.count * 128)
        var unknown: [String: JSONValue] = [:]
        eventLoop: for (position, event) in events.enumerated() {
            func reject(_ field: String, _ reason: String) {
                rejections.append(EventRejection(index: position, uuid: event.id, field: field, reason: reason))
            }
            if event.name.isEmpty { reject("event", "must not be empty"); continue }
            if event.unit.isEmpty { reject("unit", "must not be empty"); continue }
            var exposure: ExposureKey?
            if event.name == EventName.exposure {
                if let problem = EventParser.exposureProblem(event.properties) {
                    reject("properties.\(problem.property)", problem.reason)
                    continue
                }
                exposure = ExposureKey(
                    scope: ExperimentScope(key: event.properties["experiment"]!.stringValue!, phase: Int(event.properties["phase"]?.numberValue ?? 0)),
                    variant: event.properties["variant"]!.stringValue!
                )
            }
            let bindMark = binds.count
            let textMark = text.count
            unknown.removeAll(keepingCapacity: true)
            for (key, value) in event.properties {
                if value.isNull { continue }
                guard let column = EventColumns.index[key] else {
                    unknown[key] = value
                    continue
                }
                let type = EventColumns.typed[column].type
                if let reason = KnownProperties.check(key, value, type: type) {
                    binds.removeSubrange(bindMark...)
                    text.removeSubrange(textMark...)
                    reject("properties.\(key)", reason)
                    continue eventLoop
                }
                let index = Int32(EventColumns.fixedCount + column + 1)
                switch value {
                case .string(let s): appendText(s.utf8, column: index)
                case .number(let n):
                    if case .integer = type {
                        binds.append(Bind(column: index, kind: .integer, integer: Int64(n)))
                    } else {
                        binds.append(Bind(column: index, kind: .real, real: n))
                    }
                case .bool(let b): binds.append(Bind(column: index, kind: .integer, integer: b ? 1 : 0))
                case .null, .array, .object: break
                }
            }
            if !unknown.isEmpty {
                let start = text.count
                JSONValue.appendObject(unknown, to: &text)
                binds.append(Bind(column: Self.propsColumn, kind: .text, textStart: Int32(start), textCount: Int32(text.count - start)))
            }
            bindStarts.append(binds.count)
            positions.append(position)
            names.append(event.name)
            units.append(unitKey(event.unit))
            timestamps.append(event.milliseconds)
            uuids.append(event.id.uuid)
            exposures.append(exposure)
        }
    }

    private mutating func appendText(_ utf8: String.UTF8View, column: Int32) {
        let start = text.count
        text.append(contentsOf: utf8)
        binds.append(Bind(column: column, kind: .text, textStart: Int32(start), textCount: Int32(text.count - start)))
    }
}
