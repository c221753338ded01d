import Foundation
import RampartCore

/// Reads the input as JSON text with Rampart's own reader (`JSONValue.parse`, the `JSONScanner` every event,
/// PostHog and OFREP body goes through) and with Foundation's `JSONDecoder`, an independent implementation, and
/// requires the same answer: both take the text with equal values, or both refuse it.
///
/// Compared only where RFC 8259 leaves no choice: text without a byte-order mark and nesting within Rampart's 64
/// levels; text that is not valid UTF-8 (RFC 8259, section 8.1), with a raw NUL byte or with a trailing comma must be
/// refused, whatever Foundation does (it takes the last two); Rampart's refusals of a
/// raw control character in a string and of an unknown escape stand too (Foundation takes both). Rampart refuses
/// an object with a member twice (RFC 8259 leaves its meaning open; Foundation keeps one), and numbers past Double's
/// range; numbers that underflow, which Foundation refuses and Rampart reads as 0, are judged with every number
/// written as 0.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard !bytes.starts(with: [0xEF, 0xBB, 0xBF]) else { return 0 }
    let ours = Result { () throws(RampartError) -> JSONValue in try JSONValue.parse(utf8: bytes) }
    // Invalid UTF-8 inside a string was once read as U+FFFD, which made different units one; outside strings it
    // is no JSON token either.
    if String(validating: bytes, as: UTF8.self) == nil {
        if case .success(let value) = ours { fatalError("Rampart took text that is not valid UTF-8: \(value)") }
        return 0
    }
    // A raw NUL is never JSON (inside a string it must be written \u0000); Foundation reads text after a value up
    // to a NUL as if it ended there ("0\0\0" is 0), so those inputs are checked against the RFC alone.
    if bytes.contains(0) {
        if case .success(let value) = ours { fatalError("Rampart took text with a raw NUL byte: \(value)") }
        return 0
    }
    // Foundation takes a comma before a closing bracket ("[1,]"); RFC 8259 does not, and neither may Rampart.
    if hasTrailingComma(bytes) {
        if case .success(let value) = ours { fatalError("Rampart took text with a trailing comma: \(value)") }
        return 0
    }
    let reference = Result { try JSONDecoder().decode(Reference.self, from: Data(bytes)) }
    switch (ours, reference) {
    case (.success(let value), .success(let expected)):
        guard expected.depth <= 64 else { return 0 }
        guard value == expected.value else { fatalError("values differ: Rampart \(value), Foundation \(expected.value)") }
    case (.success(let value), .failure(let error)):
        // Foundation refuses numbers it cannot represent ("1e-400"), which Rampart reads as 0 (as Python and
        // strtod do): with every number written as 0, the rest must be what Foundation takes.
        if (try? JSONDecoder().decode(Reference.self, from: Data(numbersAsZero(bytes)))) != nil { return 0 }
        fatalError("Rampart took what Foundation refused (\(error)): \(value)")
    case (.failure(let error), .success(let expected)):
        // Rampart refuses an object with a member twice, on purpose (Foundation keeps one of them); and, as RFC 8259
        // requires (section 7), a raw control character in a string and an escape other than its eight (Foundation
        // takes both, and reads "\Z" as "Z").
        // Foundation checks a number only when it is decoded, and never decodes the value of a member it drops as a
        // duplicate: `{"e":1,"e":-}` is taken. A run of number characters outside strings that the grammar does not
        // allow makes any text invalid, so that refusal stands whatever Foundation says.
        let reason = "\(error)"
        let lenient = ["duplicate member", "control character in a string", "invalid escape in a string"]
        guard expected.depth <= 64, !expected.hasHugeNumber, !lenient.contains(where: reason.contains),
              !hasMalformedNumber(bytes) else { return 0 }
        fatalError("Rampart refused what Foundation took (\(error)): \(expected.value)")
    case (.failure, .failure):
        break
    }
    return 0
}

/// The text with every number outside strings that RFC 8259's grammar allows written as `0`; other runs of number
/// characters are kept as they are, so that Foundation still judges them.
func numbersAsZero(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
    var output: [UInt8] = []
    forEachPiece(of: bytes) { piece, isNumber in
        if isNumber == true { output.append(UInt8(ascii: "0")) } else { output.append(contentsOf: piece) }
    }
    return output
}

/// Whether a run of number characters outside strings, starting with `-` or a digit, is not a number of RFC 8259's
/// grammar. After a number JSON allows only white space, `,`, `]`, `}` or the end, none of them number
/// characters, so such a run can never be part of valid text.
func hasMalformedNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var malformed = false
    forEachPiece(of: bytes) { _, isNumber in if isNumber == false { malformed = true } }
    return malformed
}

/// Calls `body` with the text in pieces, in order: each run of number characters outside strings that starts with
/// `-` or a digit with whether the grammar allows it (`true` or `false`), and every other byte with `nil`.
func forEachPiece(of bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>.SubSequence, Bool?) -> Void) {
    let grammar = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/
    var inString = false
    var escaped = false
    var index = 0
    while index < bytes.count {
        let byte = bytes[index]
        if inString {
            if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            body(bytes[index..<index + 1], nil)
            index += 1
            continue
        }
        if byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            var end = index
            while end < bytes.count, "-+.0123456789eE".utf8.contains(bytes[end]) { end += 1 }
            let run = String(decoding: UnsafeBufferPointer(rebasing: bytes[index..<end]), as: UTF8.self)
            body(bytes[index..<end], run.wholeMatch(of: grammar) != nil)
            index = end
            continue
        }
        if byte == UInt8(ascii: "\"") { inString = true }
        body(bytes[index..<index + 1], nil)
        index += 1
    }
}

/// Whether a `,` is followed, past white space, by `]` or `}` outside a string.
func hasTrailingComma(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var inString = false
    var escaped = false
    var afterComma = false
    for byte in bytes {
        if inString {
            if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            continue
        }
        switch byte {
        case UInt8(ascii: "\""): inString = true; afterComma = false
        case UInt8(ascii: ","): afterComma = true
        case UInt8(ascii: "]"), UInt8(ascii: "}"): if afterComma { return true }
        case 0x20, 0x09, 0x0A, 0x0D: break
        default: afterComma = false
        }
    }
    return false
}

/// A JSON value as Foundation's `JSONDecoder` reads it, typed strictly (a number is never a Boolean).
struct Reference: Decodable {
    var value: JSONValue = .null
    var depth = 0
    var hasHugeNumber = false

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        if let object = try? decoder.container(keyedBy: Key.self) {
            var members: [String: JSONValue] = [:]
            for key in object.allKeys {
                let member = try object.decode(Reference.self, forKey: key)
                members[key.stringValue] = member.value
                absorb(member)
            }
            value = .object(members)
            depth += 1
            return
        }
        if var array = try? decoder.unkeyedContainer() {
            var elements: [JSONValue] = []
            while !array.isAtEnd {
                let element = try array.decode(Reference.self)
                elements.append(element.value)
                absorb(element)
            }
            value = .array(elements)
            depth += 1
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            value = .null
        } else if let bool = try? single.decode(Bool.self) {
            value = .bool(bool)
        } else if let string = try? single.decode(String.self) {
            value = .string(string)
        } else {
            let number = try single.decode(Double.self)
            hasHugeNumber = !number.isFinite
            value = .number(number)
        }
    }

    private mutating func absorb(_ child: Reference) {
        depth = max(depth, child.depth)
        hasHugeNumber = hasHugeNumber || child.hasHugeNumber
    }
}
