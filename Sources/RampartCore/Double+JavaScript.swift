extension Double {
    /// The string JavaScript's `Number.prototype.toString()` produces for this number.
    ///
    /// Conditions compare numbers with strings the way GrowthBook's JavaScript SDK does, so `10` must read
    /// as `"10"` (not `"10.0"`), `1e21` as `"1e+21"` and `0.000001` as `"0.000001"`.
    var javaScriptString: String {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        if self == 0 { return "0" }
        if self < 0 { return "-" + (-self).javaScriptString }
        if self < 9.007_199_254_740_992e15, rounded(.towardZero) == self {
            return String(Int64(self))
        }
        let (digits, exponent) = shortestDecimalDigits
        return Self.format(digits: digits, exponent: exponent)
    }

    /// The shortest round-tripping decimal digits of this positive, finite number, and the exponent `n`
    /// such that the number is `0.digits × 10ⁿ`.
    private var shortestDecimalDigits: (digits: [UInt8], exponent: Int) {
        // Swift's description is already the shortest round-tripping form; only its layout differs from JS.
        let text = description.utf8
        var digits: [UInt8] = []
        digits.reserveCapacity(17)
        var pointPosition: Int?
        var exponent = 0
        var index = text.startIndex
        while index != text.endIndex {
            let byte = text[index]
            if byte == UInt8(ascii: ".") {
                pointPosition = digits.count
            } else if byte == UInt8(ascii: "e") {
                exponent = Int(Substring(text[text.index(after: index)...]))!
                break
            } else {
                digits.append(byte)
            }
            index = text.index(after: index)
        }
        var n = (pointPosition ?? digits.count) + exponent
        let leadingZeros = digits.prefix { $0 == UInt8(ascii: "0") }.count
        digits.removeFirst(leadingZeros)
        n -= leadingZeros
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        return (digits, n)
    }

    /// Lays out `0.digits × 10ⁿ` as ECMAScript's Number::toString does.
    private static func format(digits: [UInt8], exponent n: Int) -> String {
        let k = digits.count
        var out: [UInt8] = []
        out.reserveCapacity(k + 8)
        if k <= n && n <= 21 {
            out += digits
            out += repeatElement(UInt8(ascii: "0"), count: n - k)
        } else if 0 < n && n <= 21 {
            out += digits[..<n]
            out.append(UInt8(ascii: "."))
            out += digits[n...]
        } else if -6 < n && n <= 0 {
            out += Array("0.".utf8)
            out += repeatElement(UInt8(ascii: "0"), count: -n)
            out += digits
        } else {
            out.append(digits[0])
            if k > 1 {
                out.append(UInt8(ascii: "."))
                out += digits[1...]
            }
            out += Array((n - 1 >= 0 ? "e+" : "e-").utf8)
            out += Array(String(abs(n - 1)).utf8)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
