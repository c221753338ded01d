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
    struct ExposureKey: Sendable, Hashable {
        var scope: ExperimentScope
        var variant: String
    }

    /// For each encoded event: its position in the caller's batch.
    var positions: [Int] = []
    var timestamps: [Int64] = []
    var uuids: [uuid_t] = []
    /// `binds[bindStarts[i]..<bindStarts[i + 1]]` belong to event `i`.
    var bindStarts: [Int] = [0]
    var binds: [Bind] = []
    /// The UTF-8 bytes of every text value and `props` document, back to back.
    var text: [UInt8] = []
    var rejections: [EventRejection] = []
    /// The events' indices ordered by uuid (ties in input order), set by ``prepareForWriter()``: the writer checks
    /// the uuids against the `event_uuids` B-tree in this order, so consecutive lookups land on the same pages.
    var uuidOrder: [Int32] = []
    /// Each event's slot in ``distinctUnits``, and the batch's distinct stored unit keys: the writer resolves each
    /// distinct unit to its id once per batch, not once per event.
    var unitSlots: [Int32] = []
    var distinctUnits: [String] = []
    var unitSlotOf: [String: Int32] = [:]
    /// The same for event names (few per batch: found by comparing bytes).
    var nameSlots: [Int32] = []
    var distinctNames: [String] = []
    var distinctNameBytes: [[UInt8]] = []
    /// Each event's slot in ``distinctExposures`` (-1 for other events), and the distinct experiment phases and
    /// variants exposed to.
    var exposureSlots: [Int32] = []
    var distinctExposures: [ExposureKey] = []
    /// Each event's exposure group (-1 for other events), and the groups: exposures of one unit to one variant of
    /// one experiment phase, which the writer folds into one `exposure_units` upsert (``prepareForWriter()``).
    var exposureGroupOf: [Int32] = []
    var exposureGroups: [(exposure: ExposureKey, unitSlot: Int32)] = []

    var count: Int { positions.count }

    /// An empty batch.
    init() {}

    /// Whether ``prepareForWriter()`` has run since the last event was added.
    var isPrepared: Bool { uuidOrder.count == count && exposureGroupOf.count == count }

    /// Sorts the uuids and groups the exposures: work taken off the writer, done on the caller's task before the
    /// batch waits for the writer.
    mutating func prepareForWriter() {
        let keys = uuids.map(UUIDKey.init)
        var order = (0..<Int32(count)).map { $0 }
        // Ties (the same uuid twice in a batch) keep input order, so the first occurrence is the one stored.
        order.sort { a, b in keys[Int(a)] != keys[Int(b)] ? keys[Int(a)] < keys[Int(b)] : a < b }
        uuidOrder = order
        struct GroupKey: Hashable {
            var exposureSlot: Int32
            var unitSlot: Int32
        }
        var groups: [GroupKey: Int32] = [:]
        exposureGroups = []
        exposureGroupOf = exposureSlots.indices.map { i in
            guard exposureSlots[i] >= 0 else { return -1 }
            let key = GroupKey(exposureSlot: exposureSlots[i], unitSlot: unitSlots[i])
            if let group = groups[key] { return group }
            let group = Int32(exposureGroups.count)
            groups[key] = group
            exposureGroups.append((distinctExposures[Int(key.exposureSlot)], key.unitSlot))
            return group
        }
    }

    /// The column `props` is bound to: after the fixed and typed columns.
    static let propsColumn = Int32(EventColumns.fixedCount + EventColumns.typed.count + 1)

    /// Checks and encodes events.
    ///
    /// - Parameters:
    ///   - events: The events.
    ///   - unitKey: How a unit id is stored (itself, or its keyed hash).
    init(_ events: [Event], unitKey: (String) -> String) {
        reserve(events.count)
        var unknown: [String: JSONValue] = [:]
        for (position, event) in events.enumerated() {
            append(event, position: position, unknown: &unknown, unitKey: unitKey)
        }
    }

    /// Parses and encodes NDJSON: plain events straight from the bytes (`EventParser.scanPlainEvent`), every other
    /// line through the full parser. Rejections of either kind are indexed by line.
    ///
    /// - Parameters:
    ///   - ndjson: Whole lines of UTF-8 text.
    ///   - firstIndex: The index of the first line.
    ///   - parser: Validation and privacy.
    ///   - now: The current time, for the future-timestamp check.
    ///   - unitKey: How a unit id is stored.
    init(ndjson bytes: UnsafeBufferPointer<UInt8>, firstIndex: Int, parser: EventParser, now: Date, unitKey: (String) -> String) {
        self = withoutActuallyEscaping(unitKey) { unitKey in
            var sink = Sink(parser: parser, now: now, unitKey: unitKey)
            sink.batch.reserve(bytes.count / 256)
            var index = firstIndex
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != 0x0A { end += 1 }
                sink.appendLine(UnsafeBufferPointer(rebasing: bytes[start..<end]), index: index)
                index += 1
                start = end + 1
            }
            return sink.batch
        }
    }

    /// Encodes a JSON array of plain events straight from the bytes, or returns `nil` when any element is not
    /// plain and valid (the caller then parses the body with the full parser, which decides every rejection).
    ///
    /// - Parameters:
    ///   - jsonArray: The JSON text.
    ///   - parser: Validation and privacy.
    ///   - now: The current time, for the future-timestamp check.
    ///   - unitKey: How a unit id is stored.
    init?(jsonArray bytes: UnsafeBufferPointer<UInt8>, parser: EventParser, now: Date, unitKey: (String) -> String) {
        reserve(bytes.count / 256)
        var batch = self
        var members: [(key: String, value: JSONValue)] = []
        let plain = parser.scanPlainArray(bytes, now: now) { event, index in
            batch.append(event, position: index, members: &members, unitKey: unitKey)
        }
        guard plain else { return nil }
        self = batch
    }

    mutating func reserve(_ events: Int) {
        positions.reserveCapacity(events)
        timestamps.reserveCapacity(events)
        uuids.reserveCapacity(events)
        nameSlots.reserveCapacity(events)
        unitSlots.reserveCapacity(events)
        exposureSlots.reserveCapacity(events)
        binds.reserveCapacity(events * 12)
        text.reserveCapacity(events * 128)
    }

    /// Encodes one valid event read by `EventParser.scanPlainEvent`.
    mutating func append(_ event: borrowing ScannedEvent, position: Int, members: inout [(key: String, value: JSONValue)], unitKey: (String) -> String) {
        members.removeAll(keepingCapacity: true)
        for (property, value) in event.known {
            guard let column = EventColumns.columnOfKnown[property] else {
                members.append((KnownProperties.ordered[property].name, value.json(in: event)))
                continue
            }
            let index = Int32(EventColumns.fixedCount + column + 1)
            switch value {
            case .text(let range): appendText(event.bytes(range), column: index)
            case .number(let n): appendNumber(n, column: column)
            case .bool(let b): binds.append(Bind(column: index, kind: .integer, integer: b ? 1 : 0))
            }
        }
        members.append(contentsOf: event.other)
        if !members.isEmpty {
            let start = text.count
            JSONValue.appendSortedObject(&members, to: &text)
            binds.append(Bind(column: Self.propsColumn, kind: .text, textStart: Int32(start), textCount: Int32(text.count - start)))
        }
        bindStarts.append(binds.count)
        positions.append(position)
        nameSlots.append(nameSlot(event.bytes(event.name)))
        unitSlots.append(unitSlot(unitKey(String(decoding: event.bytes(event.unit), as: UTF8.self))))
        exposureSlots.append(event.isExposure ? exposureSlot(event) : -1)
        timestamps.append(event.milliseconds)
        uuids.append(event.uuid)
    }

    /// Binds a known property's value (already type-checked) to its typed column.
    private mutating func appendBind(_ value: JSONValue, column: Int) {
        let index = Int32(EventColumns.fixedCount + column + 1)
        switch value {
        case .string(let s): appendText(s.utf8, column: index)
        case .number(let n): appendNumber(n, column: column)
        case .bool(let b): binds.append(Bind(column: index, kind: .integer, integer: b ? 1 : 0))
        case .null, .array, .object: break
        }
    }

    /// Checks and encodes one event, or records its rejection.
    mutating func append(_ event: Event, position: Int, unknown: inout [String: JSONValue], unitKey: (String) -> String) {
        func reject(_ field: String, _ reason: String) {
            rejections.append(EventRejection(index: position, uuid: event.id, field: field, reason: reason))
        }
        if event.name.isEmpty { reject("event", "must not be empty"); return }
        if event.unit.isEmpty { reject("unit", "must not be empty"); return }
        var exposure: ExposureKey?
        if event.name == EventName.exposure {
            if let problem = EventParser.exposureProblem(event.properties) {
                reject("properties.\(problem.property)", problem.reason)
                return
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
            if let reason = KnownProperties.check(key, value, type: EventColumns.typed[column].type) {
                binds.removeSubrange(bindMark...)
                text.removeSubrange(textMark...)
                reject("properties.\(key)", reason)
                return
            }
            appendBind(value, column: column)
        }
        if !unknown.isEmpty {
            let start = text.count
            JSONValue.appendObject(unknown, to: &text)
            binds.append(Bind(column: Self.propsColumn, kind: .text, textStart: Int32(start), textCount: Int32(text.count - start)))
        }
        bindStarts.append(binds.count)
        positions.append(position)
        var name = event.name
        nameSlots.append(name.withUTF8 { nameSlot($0) })
        unitSlots.append(unitSlot(unitKey(event.unit)))
        exposureSlots.append(exposure.map { exposureSlot($0) } ?? -1)
        timestamps.append(event.milliseconds)
        uuids.append(event.id.uuid)
    }

    private mutating func appendText<Bytes: Collection<UInt8>>(_ utf8: Bytes, column: Int32) {
        let start = text.count
        text.append(contentsOf: utf8)
        binds.append(Bind(column: column, kind: .text, textStart: Int32(start), textCount: Int32(text.count - start)))
    }

    /// Binds a number to a typed column: as an integer for whole-number columns, otherwise as a real.
    private mutating func appendNumber(_ n: Double, column: Int) {
        let index = Int32(EventColumns.fixedCount + column + 1)
        if case .integer = EventColumns.typed[column].type {
            binds.append(Bind(column: index, kind: .integer, integer: Int64(n)))
        } else {
            binds.append(Bind(column: index, kind: .real, real: n))
        }
    }
}
