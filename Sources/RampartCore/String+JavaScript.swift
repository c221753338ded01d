extension String {
    /// The number JavaScript's `Number(string)` produces: trimmed decimal, `Infinity`, or `0x`/`0o`/`0b`
    /// integer literals; `0` when blank; `NaN` otherwise.
    var javaScriptNumber: Double {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.isJavaScriptWhitespace }) else { return 0 }
        let last = scalars.lastIndex(where: { !$0.isJavaScriptWhitespace })!
        let trimmed = Substring(scalars[first...last])
        switch trimmed {
        case "Infinity", "+Infinity": return .infinity
        case "-Infinity": return -.infinity
        default: break
        }
        if let value = Self.radixLiteral(trimmed.utf8) { return value }
        guard Self.isDecimalLiteral(trimmed.utf8) else { return .nan }
        return Double(trimmed) ?? .nan
    }

    /// The value of a `0x…`, `0o…` or `0b…` literal, or `nil` when `text` is not one.
    private static func radixLiteral(_ text: Substring.UTF8View) -> Double? {
        guard text.count > 2, text.first == UInt8(ascii: "0") else { return nil }
        let radix: Double
        switch text[text.index(after: text.startIndex)] | 0x20 {
        case UInt8(ascii: "x"): radix = 16
        case UInt8(ascii: "o"): radix = 8
        case UInt8(ascii: "b"): radix = 2
        default: return nil
        }
        var value = 0.0
        for byte in text.dropFirst(2) {
            let digit: Double
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Double(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = Double(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = Double(byte - UInt8(ascii: "A") + 10)
            default: return .nan
            }
            guard digit < radix else { return .nan }
            value = value * radix + digit
        }
        return value
    }

    /// Whether `text` is a JavaScript StrDecimalLiteral: `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`.
    private static func isDecimalLiteral(_ text: Substring.UTF8View) -> Bool {
        var index = text.startIndex
        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        func skipDigits() -> Int {
            var count = 0
            while index != text.endIndex, isDigit(text[index]) {
                count += 1
                index = text.index(after: index)
            }
            return count
        }
        func skip(_ bytes: UInt8...) -> Bool {
            guard index != text.endIndex, bytes.contains(text[index]) else { return false }
            index = text.index(after: index)
            return true
        }
        _ = skip(UInt8(ascii: "+"), UInt8(ascii: "-"))
        var mantissaDigits = skipDigits()
        if skip(UInt8(ascii: ".")) { mantissaDigits += skipDigits() }
        guard mantissaDigits > 0 else { return false }
        if skip(UInt8(ascii: "e"), UInt8(ascii: "E")) {
            _ = skip(UInt8(ascii: "+"), UInt8(ascii: "-"))
            guard skipDigits() > 0 else { return false }
        }
        return index == text.endIndex
    }

    /// Whether this string and `other` hold the same UTF-16 code units, as JavaScript's `===` decides.
    ///
    /// Swift's `==` also equates canonically equivalent strings (`"é"` and `"e\u{301}"`); JavaScript does not.
    func isJavaScriptEqual(to other: String) -> Bool {
        utf8.elementsEqual(other.utf8)
    }

    /// Whether this string sorts before `other` in JavaScript, which orders strings by UTF-16 code unit.
    func isJavaScriptLess(than other: String) -> Bool {
        utf16.lexicographicallyPrecedes(other.utf16)
    }
}

extension Unicode.Scalar {
    /// Whether JavaScript's `String.prototype.trim` removes this scalar (WhiteSpace or LineTerminator).
    var isJavaScriptWhitespace: Bool {
        switch value {
        case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F,
            0x3000, 0xFEFF:
            return true
        default:
            return false
        }
    }
}
