/// A cursor over protobuf's binary wire format (protobuf.dev, "Encoding"), for reading the few fields a mapping
/// needs without materialising every message.
///
/// It reads one message's fields in order: ``nextField()`` gives each field's number and wire type, then the
/// caller reads the value with the matching method or skips it. Every read is bounds-checked against the message's
/// end; a truncated or malformed field throws ``Failure`` naming the byte offset.
public struct ProtobufWireReader {
    /// The wire types of protobuf's binary format (groups, 3 and 4, are deprecated and never valid in proto3).
    enum WireType: UInt8 {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case startGroup = 3
        case endGroup = 4
        case fixed32 = 5
    }

    /// Why the bytes are not a protobuf message.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The whole body.
    let bytes: [UInt8]
    /// The next byte to read.
    private(set) var position: Int
    /// The end of the message being read (exclusive).
    let end: Int

    /// A reader of `bytes[range]`.
    ///
    /// - Parameters:
    ///   - bytes: The body.
    ///   - range: The message's bytes; the whole body by default.
    init(_ bytes: [UInt8], range: Range<Int>? = nil) {
        self.bytes = bytes
        let range = range ?? bytes.indices
        self.position = range.lowerBound
        self.end = range.upperBound
    }

    /// The next field's number and wire type, or `nil` at the end of the message.
    ///
    /// - Throws: ``Failure`` for a malformed tag (field number 0, an unknown wire type, or a group).
    mutating func nextField() throws -> (number: UInt64, wireType: WireType)? {
        guard position < end else { return nil }
        let at = position
        let tag = try varint()
        let number = tag >> 3
        guard number > 0, let wireType = WireType(rawValue: UInt8(tag & 7)), wireType != .startGroup, wireType != .endGroup else {
            throw Failure(description: "invalid field tag \(tag) at byte \(at)")
        }
        return (number, wireType)
    }

    /// A base-128 varint (at most 10 bytes).
    mutating func varint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        let start = position
        while position < end {
            let byte = bytes[position]
            position += 1
            guard shift < 64 else { break }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                guard shift < 63 || byte <= 1 else { break }
                return value
            }
            shift += 7
        }
        throw Failure(description: "truncated or overlong varint at byte \(start)")
    }

    /// A little-endian 64-bit value.
    mutating func fixed64() throws -> UInt64 {
        guard end - position >= 8 else { throw Failure(description: "truncated fixed64 at byte \(position)") }
        var value: UInt64 = 0
        for offset in (0..<8).reversed() { value = value << 8 | UInt64(bytes[position + offset]) }
        position += 8
        return value
    }

    /// A little-endian 32-bit value.
    mutating func fixed32() throws -> UInt32 {
        guard end - position >= 4 else { throw Failure(description: "truncated fixed32 at byte \(position)") }
        var value: UInt32 = 0
        for offset in (0..<4).reversed() { value = value << 8 | UInt32(bytes[position + offset]) }
        position += 4
        return value
    }

    /// The range of a length-delimited value (a string, bytes or an embedded message).
    mutating func lengthDelimited() throws -> Range<Int> {
        let at = position
        let length = try varint()
        guard length <= UInt64(end - position) else {
            throw Failure(description: "a length-delimited field at byte \(at) claims \(length) bytes; \(end - position) remain")
        }
        let range = position..<(position + Int(length))
        position = range.upperBound
        return range
    }

    /// A string field's value; protobuf requires valid UTF-8.
    mutating func string(_ field: String) throws -> String {
        let range = try lengthDelimited()
        guard let text = String(validating: bytes[range], as: UTF8.self) else {
            throw Failure(description: "\(field) at byte \(range.lowerBound) is not valid UTF-8")
        }
        return text
    }

    /// Skips a value of the given wire type.
    mutating func skip(_ wireType: WireType) throws {
        switch wireType {
        case .varint: _ = try varint()
        case .fixed64: _ = try fixed64()
        case .fixed32: _ = try fixed32()
        case .lengthDelimited: _ = try lengthDelimited()
        case .startGroup, .endGroup: throw Failure(description: "groups are not valid here (byte \(position))")
        }
    }

    /// Checks that a known field has the wire type its declaration gives.
    ///
    /// - Parameters:
    ///   - wireType: The type read from the tag.
    ///   - expected: The declared field's type.
    ///   - field: The field's name, for the error.
    func expect(_ wireType: WireType, _ expected: WireType, _ field: String) throws {
        guard wireType == expected else {
            throw Failure(description: "\(field) has wire type \(wireType.rawValue), expected \(expected.rawValue) (before byte \(position))")
        }
    }

    /// Whether `bytes[range]` equals `text`'s UTF-8.
    func equals(_ range: Range<Int>, _ text: [UInt8]) -> Bool {
        guard range.count == text.count else { return false }
        var i = range.lowerBound
        for byte in text {
            if bytes[i] != byte { return false }
            i += 1
        }
        return true
    }
}
