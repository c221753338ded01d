/// The fields of one OTLP span that the mapping reads, located in the export's protobuf bytes
/// (opentelemetry/proto/trace/v1/trace.proto, `Span`), without decoding the rest.
///
/// Protobuf's merge rules hold: a scalar field that appears twice keeps its last value, repeated fields keep every
/// element in order, and an embedded message that appears twice (`status`) is merged field by field.
struct OTLPWireSpan {
    /// One `KeyValue` of an attribute list.
    struct Attribute {
        /// The key's bytes (UTF-8, checked).
        var key: Range<Int>
        /// The `KeyValue` message, to gather a value given in several pieces.
        var message: Range<Int>
        /// The first `value` piece, or `nil` when the pair has no value.
        var value: Range<Int>?
        /// Whether `value` appears more than once (protobuf then merges the pieces).
        var pieces: Int
    }

    var traceID: Range<Int>?
    var spanID: Range<Int>?
    var startTimeUnixNano: UInt64 = 0
    var endTimeUnixNano: UInt64 = 0
    /// `status.code` (`STATUS_CODE_ERROR` is 2).
    var statusCode: UInt64 = 0
    var statusMessage: Range<Int>?
    /// The span's attributes, in order.
    var attributes: [Attribute] = []
    /// The span's events (`Span.Event` messages), in order.
    var events: [Range<Int>] = []
    /// Whether some attribute key starts with `gen_ai.`.
    var hasGenAIAttribute = false

    /// Empties the span for the next one, keeping the arrays' storage.
    mutating func reset() {
        traceID = nil
        spanID = nil
        startTimeUnixNano = 0
        endTimeUnixNano = 0
        statusCode = 0
        statusMessage = nil
        attributes.removeAll(keepingCapacity: true)
        events.removeAll(keepingCapacity: true)
        hasGenAIAttribute = false
    }

    static let genAIPrefix = Array("gen_ai.".utf8)

    /// Reads a `Span` message.
    ///
    /// - Parameters:
    ///   - reader: A reader positioned on the span's bytes.
    mutating func read(_ reader: inout ProtobufWireReader) throws {
        reset()
        while let (number, wireType) = try reader.nextField() {
            switch number {
            case 1:
                try reader.expect(wireType, .lengthDelimited, "Span.trace_id")
                traceID = try reader.lengthDelimited()
            case 2:
                try reader.expect(wireType, .lengthDelimited, "Span.span_id")
                spanID = try reader.lengthDelimited()
            case 3, 5:
                try reader.expect(wireType, .lengthDelimited, number == 3 ? "Span.trace_state" : "Span.name")
                try Self.checkUTF8(reader.lengthDelimited(), in: reader, number == 3 ? "Span.trace_state" : "Span.name")
            case 7:
                try reader.expect(wireType, .fixed64, "Span.start_time_unix_nano")
                startTimeUnixNano = try reader.fixed64()
            case 8:
                try reader.expect(wireType, .fixed64, "Span.end_time_unix_nano")
                endTimeUnixNano = try reader.fixed64()
            case 9:
                try reader.expect(wireType, .lengthDelimited, "Span.attributes")
                let attribute = try Self.attribute(reader.lengthDelimited(), in: reader.bytes)
                if !hasGenAIAttribute, reader.hasPrefix(attribute.key, Self.genAIPrefix) { hasGenAIAttribute = true }
                attributes.append(attribute)
            case 11:
                try reader.expect(wireType, .lengthDelimited, "Span.events")
                events.append(try reader.lengthDelimited())
            case 15:
                try reader.expect(wireType, .lengthDelimited, "Span.status")
                var status = ProtobufWireReader(reader.bytes, range: try reader.lengthDelimited())
                while let (field, type) = try status.nextField() {
                    switch field {
                    case 2:
                        try status.expect(type, .lengthDelimited, "Status.message")
                        let message = try status.lengthDelimited()
                        try Self.checkUTF8(message, in: status, "Status.message")
                        statusMessage = message
                    case 3:
                        try status.expect(type, .varint, "Status.code")
                        statusCode = try status.varint()
                    default: try status.skip(type)
                    }
                }
            case 4:
                try reader.expect(wireType, .lengthDelimited, "Span.parent_span_id")
                _ = try reader.lengthDelimited()
            case 6, 10, 12, 14:
                try reader.expect(wireType, .varint, "Span field \(number)")
                _ = try reader.varint()
            case 13:
                try reader.expect(wireType, .lengthDelimited, "Span.links")
                _ = try reader.lengthDelimited()
            case 16:
                try reader.expect(wireType, .fixed32, "Span.flags")
                _ = try reader.fixed32()
            default:
                try reader.skip(wireType)  // a field added after this reader was written
            }
        }
    }

    /// Reads a `KeyValue` message.
    static func attribute(_ range: Range<Int>, in bytes: [UInt8]) throws -> Attribute {
        var reader = ProtobufWireReader(bytes, range: range)
        var key: Range<Int> = range.lowerBound..<range.lowerBound
        var value: Range<Int>?
        var pieces = 0
        while let (number, wireType) = try reader.nextField() {
            switch number {
            case 1:
                try reader.expect(wireType, .lengthDelimited, "KeyValue.key")
                key = try reader.lengthDelimited()
            case 2:
                try reader.expect(wireType, .lengthDelimited, "KeyValue.value")
                let piece = try reader.lengthDelimited()
                if value == nil { value = piece }
                pieces += 1
            default: try reader.skip(wireType)
            }
        }
        try checkUTF8(key, in: reader, "KeyValue.key")
        return Attribute(key: key, message: range, value: value, pieces: pieces)
    }

    /// Reads a list of `KeyValue`s given as repeated field `number` of the message in `range`, appending them.
    static func attributes(field: UInt64, of range: Range<Int>, in bytes: [UInt8], name: String, into list: inout [Attribute]) throws {
        var reader = ProtobufWireReader(bytes, range: range)
        while let (number, wireType) = try reader.nextField() {
            if number == field {
                try reader.expect(wireType, .lengthDelimited, name)
                list.append(try attribute(reader.lengthDelimited(), in: bytes))
            } else {
                try reader.skip(wireType)
            }
        }
    }

    /// Throws unless `bytes[range]` is valid UTF-8, as protobuf requires of a `string` field.
    static func checkUTF8(_ range: Range<Int>, in reader: ProtobufWireReader, _ field: String) throws {
        // ASCII, the usual case, is checked eight bytes at a time; anything else by the standard library.
        let ascii = reader.bytes.withUnsafeBytes { raw in
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
                i += 8
            }
            while i < range.upperBound {
                if raw[i] >= 0x80 { return false }
                i += 1
            }
            return true
        }
        guard ascii || String(validating: reader.bytes[range], as: UTF8.self) != nil else {
            throw ProtobufWireReader.Failure(description: "\(field) at byte \(range.lowerBound) is not valid UTF-8")
        }
    }
}

extension ProtobufWireReader {
    /// Whether `bytes[range]` starts with `prefix`.
    func hasPrefix(_ range: Range<Int>, _ prefix: [UInt8]) -> Bool {
        guard range.count >= prefix.count else { return false }
        return equals(range.lowerBound..<(range.lowerBound + prefix.count), prefix)
    }
}
