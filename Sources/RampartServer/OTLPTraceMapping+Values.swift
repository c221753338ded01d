import Crypto
import Foundation
import OTLPProto
import RampartCore

extension OTLPTraceMapping {
    /// A span's, event's or resource's attributes by key (the first of a repeated key wins).
    struct Attributes {
        let values: [String: Opentelemetry_Proto_Common_V1_AnyValue]

        init(_ list: [Opentelemetry_Proto_Common_V1_KeyValue]) {
            var values: [String: Opentelemetry_Proto_Common_V1_AnyValue] = [:]
            values.reserveCapacity(list.count)
            for pair in list where values[pair.key] == nil && pair.hasValue { values[pair.key] = pair.value }
            self.values = values
        }

        subscript(_ key: String) -> Opentelemetry_Proto_Common_V1_AnyValue? { values[key] }
    }

    /// An attribute value as JSON: strings, booleans, numbers, arrays and key-value lists as themselves, bytes as
    /// base64 (as OTLP/JSON writes them), an empty value as `null` (so the parser treats the property as absent).
    ///
    /// - Parameter value: The attribute value.
    static func json(_ value: Opentelemetry_Proto_Common_V1_AnyValue) -> JSONValue {
        switch value.value {
        case .stringValue(let s): .string(s)
        case .boolValue(let b): .bool(b)
        case .intValue(let i): .number(Double(i))
        case .doubleValue(let d): .number(d)
        case .arrayValue(let a): .array(a.values.map(json))
        case .kvlistValue(let list):
            .object(Dictionary(list.values.map { ($0.key, json($0.value)) }, uniquingKeysWith: { first, _ in first }))
        case .bytesValue(let data): .string(data.base64EncodedString())
        case nil: .null
        }
    }

    /// A string attribute, or an integer one written in decimal (unit ids are often numbers); `nil` otherwise or
    /// when empty.
    static func text(_ value: Opentelemetry_Proto_Common_V1_AnyValue) -> String? {
        switch value.value {
        case .stringValue(let s): s.isEmpty ? nil : s
        case .intValue(let i): String(i)
        default: nil
        }
    }

    /// A trace or span id in lowercase hex, or `nil` when it has the wrong length or is all zero (invalid in OTLP).
    ///
    /// - Parameters:
    ///   - raw: The decoded field.
    ///   - ids: How it was encoded.
    ///   - bytes: The id's length: 16 for a trace id, 8 for a span id.
    static func id(_ raw: Data, ids: IDEncoding, bytes: Int) -> String? {
        let value: [UInt8]
        switch ids {
        case .binary: value = Array(raw)
        case .jsonHex:
            guard let decoded = hexID(raw) else { return nil }
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
        for part in parts {
            hasher.update(data: [0])
            hasher.update(data: Array(part.utf8))
        }
        var bytes = Array(hasher.finalize().prefix(16))
        bytes[6] = bytes[6] & 0x0F | 0x80
        bytes[8] = bytes[8] & 0x3F | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
