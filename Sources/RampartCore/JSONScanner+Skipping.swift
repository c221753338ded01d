import Foundation

extension JSONScanner {
    /// Steps over one JSON value, checking it exactly as ``readValue()`` would, and returns its bytes. Scalars are
    /// checked without building a value (a string only when it has escapes); objects and arrays are read with
    /// ``readValue()`` at the current ``depth``, so duplicate members and the nesting limit fail as they do there.
    mutating func skipValue() throws(Failure) -> Range<Int> {
        let start = position
        guard position < bytes.count else { throw Failure(offset: position, reason: "unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            _ = try readNumber()
        default:
            _ = try readValue()
        }
        return start..<position
    }

    /// Steps over a string, checking it as ``readString()`` does: one of printable ASCII without escapes here, any
    /// other (escapes, UTF-8 to validate, a control character to refuse) by reading it.
    mutating func skipString() throws(Failure) {
        let start = position
        position += 1
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { break }
            position += 1
        }
        position = start
        _ = try readString()
    }

    /// Reads `"name":` (with the whitespace around it) when the name has no escapes, leaving the position at the
    /// member's value; returns the name's bytes, whose text is then exactly its UTF-8 decoding. `nil` for a name
    /// with an escape or invalid UTF-8 (which the full parser refuses), or anything that is not a member name.
    mutating func readRawMemberName() -> Range<Int>? {
        skipWhitespace()
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = position
        var ascii = true
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
            if byte >= 0x80 { ascii = false }
            position += 1
        }
        guard position < bytes.count else { return nil }
        let key = start..<position
        guard ascii || String(validating: UnsafeBufferPointer(rebasing: bytes[key]), as: UTF8.self) != nil else { return nil }
        position += 1
        skipWhitespace()
        guard consume(UInt8(ascii: ":")) else { return nil }
        skipWhitespace()
        return key
    }

    /// Whether two ranges of the text hold the same bytes.
    func bytes(_ a: Range<Int>, equal b: Range<Int>) -> Bool {
        a.count == b.count && memcmp(bytes.baseAddress! + a.lowerBound, bytes.baseAddress! + b.lowerBound, a.count) == 0
    }
}
