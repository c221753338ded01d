import Crypto
import Foundation
import RampartCore

extension OTLPTraceMapping {
    /// A decoded `AnyValue` (common.proto): the member of its `value` oneof that is set, located in the body.
    enum AnyValue {
        case none
        case string(Range<Int>)
        case bool(Bool)
        case int(Int64)
        case double(Double)
        /// The `ArrayValue` messages (more than one when protobuf's merge rule concatenates them).
        case array([Range<Int>])
        /// The `KeyValueList` messages.
        case kvlist([Range<Int>])
        case bytes(Range<Int>)
    }

    /// An attribute's value, with the pieces of a value sent more than once merged as protobuf merges them: the
    /// last member of the oneof set wins, and two `ArrayValue`s or `KeyValueList`s in a row concatenate.
    ///
    /// - Parameters:
    ///   - attribute: The attribute.
    ///   - bytes: The body.
    static func anyValue(_ attribute: OTLPWireSpan.Attribute, in bytes: [UInt8]) throws -> AnyValue {
        guard let first = attribute.value else { return .none }
        guard attribute.pieces > 1 else { return try anyValue(pieces: CollectionOfOne(first), in: bytes) }
        var pieces: [Range<Int>] = []
        var reader = ProtobufWireReader(bytes, range: attribute.message)
        while let (number, wireType) = try reader.nextField() {
            if number == 2 { pieces.append(try reader.lengthDelimited()) } else { try reader.skip(wireType) }
        }
        return try anyValue(pieces: pieces, in: bytes)
    }

    /// The value of `AnyValue` messages read one after the other (protobuf's merge of their concatenation).
    static func anyValue(pieces: some Sequence<Range<Int>>, in bytes: [UInt8]) throws -> AnyValue {
        var value = AnyValue.none
        for piece in pieces {
            var reader = ProtobufWireReader(bytes, range: piece)
            while let (number, wireType) = try reader.nextField() {
                switch number {
                case 1:
                    try reader.expect(wireType, .lengthDelimited, "AnyValue.string_value")
                    let range = try reader.lengthDelimited()
                    try OTLPWireSpan.checkUTF8(range, in: reader, "AnyValue.string_value")
                    value = .string(range)
                case 2:
                    try reader.expect(wireType, .varint, "AnyValue.bool_value")
                    value = .bool(try reader.varint() != 0)
                case 3:
                    try reader.expect(wireType, .varint, "AnyValue.int_value")
                    value = .int(Int64(bitPattern: try reader.varint()))
                case 4:
                    try reader.expect(wireType, .fixed64, "AnyValue.double_value")
                    value = .double(Double(bitPattern: try reader.fixed64()))
                case 5:
                    try reader.expect(wireType, .lengthDelimited, "AnyValue.array_value")
                    let range = try reader.lengthDelimited()
                    if case .array(let earlier) = value { value = .array(earlier + [range]) } else { value = .array([range]) }
                case 6:
                    try reader.expect(wireType, .lengthDelimited, "AnyValue.kvlist_value")
                    let range = try reader.lengthDelimited()
                    if case .kvlist(let earlier) = value { value = .kvlist(earlier + [range]) } else { value = .kvlist([range]) }
                case 7:
                    try reader.expect(wireType, .lengthDelimited, "AnyValue.bytes_value")
                    value = .bytes(try reader.lengthDelimited())
                default:
                    try reader.skip(wireType)
                }
            }
        }
        return value
    }

    /// An attribute value as JSON: strings, booleans, numbers, arrays and key-value lists as themselves, bytes as
    /// base64 (as OTLP/JSON writes them), an empty value as `null` (so the parser treats the property as absent).
    static func json(_ value: AnyValue, in bytes: [UInt8]) throws -> JSONValue {
        switch value {
        case .none: return .null
        case .string(let range): return .string(String(decoding: bytes[range], as: UTF8.self))
        case .bool(let b): return .bool(b)
        case .int(let i): return .number(Double(i))
        case .double(let d): return .number(d)
        case .bytes(let range): return .string(Data(bytes[range]).base64EncodedString())
        case .array(let messages):
            var elements: [JSONValue] = []
            for message in messages {
                var reader = ProtobufWireReader(bytes, range: message)
                while let (number, wireType) = try reader.nextField() {
                    guard number == 1 else {
                        try reader.skip(wireType)
                        continue
                    }
                    try reader.expect(wireType, .lengthDelimited, "ArrayValue.values")
                    elements.append(try json(anyValue(pieces: CollectionOfOne(reader.lengthDelimited()), in: bytes), in: bytes))
                }
            }
            return .array(elements)
        case .kvlist(let messages):
            var pairs: [OTLPWireSpan.Attribute] = []
            for message in messages {
                try OTLPWireSpan.attributes(field: 1, of: message, in: bytes, name: "KeyValueList.values", into: &pairs)
            }
            var members: [String: JSONValue] = [:]
            for pair in pairs {
                let key = String(decoding: bytes[pair.key], as: UTF8.self)
                if members[key] == nil { members[key] = try json(anyValue(pair, in: bytes), in: bytes) }
            }
            return .object(members)
        }
    }

    /// A string attribute, or an integer one written in decimal (unit ids are often numbers); `nil` otherwise or
    /// when empty.
    static func text(_ value: AnyValue, in bytes: [UInt8]) -> String? {
        switch value {
        case .string(let range): range.isEmpty ? nil : String(decoding: bytes[range], as: UTF8.self)
        case .int(let i): String(i)
        default: nil
        }
    }

    /// A trace or span id in lowercase hex, or `nil` when it has the wrong length or is all zero (invalid in OTLP).
    ///
    /// - Parameters:
    ///   - raw: The field's bytes (`nil` when absent).
    ///   - ids: How it was encoded.
    ///   - bytes: The id's length: 16 for a trace id, 8 for a span id.
    static func id(_ raw: ArraySlice<UInt8>?, ids: IDEncoding, bytes: Int) -> String? {
        let value: [UInt8]
        switch ids {
        case .binary: value = Array(raw ?? [])
        case .jsonHex:
            guard let decoded = hexID(Data(raw ?? [])) else { return nil }
            value = decoded
        }
        guard value.count == bytes, value.contains(where: { $0 != 0 }) else { return nil }
        return hex(value)
    }

    /// Recovers an OTLP/JSON id from what a proto3 JSON decoder made of it.
    ///
    /// OTLP/JSON writes `traceId` and `spanId` as hex strings, where proto3's JSON mapping expects base64 for `bytes`.
    /// Hex digits are base64 digits, and the ids' lengths (32 and 16) are multiples of 4, so the decoder reads a hex
    /// id as base64 without error; encoding those bytes back to base64 gives the hex text exactly, which is then read
    /// as hex. Anything that was not hex (an id sent in base64, say) fails here.
    ///
    /// - Parameter decoded: The bytes the JSON decoder produced.
    /// - Returns: The id's bytes, or `nil`.
    static func hexID(_ decoded: Data) -> [UInt8]? {
        let text = Array(decoded.base64EncodedString().utf8)
        guard text.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count / 2)
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var i = 0
        while i < text.count {
            guard let high = nibble(text[i]), let low = nibble(text[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
            i += 2
        }
        return bytes
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// A deterministic event id: the first 16 bytes of SHA-256 over the parts, as an RFC 9562 version 8 UUID.
    /// The same span exported twice gets the same id, so the store keeps it once.
    ///
    /// - Parameter parts: What identifies the event (its kind, the trace and span ids, …).
    static func uuid(_ parts: String...) -> UUID {
        var hasher = SHA256()
        hasher.update(data: Array("rampart-otlp".utf8))
        for var part in parts {
            hasher.update(data: [0])
            part.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        var bytes = Array(hasher.finalize().prefix(16))
        bytes[6] = bytes[6] & 0x0F | 0x80
        bytes[8] = bytes[8] & 0x3F | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
