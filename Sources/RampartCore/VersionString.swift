/// A version string normalized so that comparing the normalized strings orders versions, as
/// GrowthBook's `$veq`…`$vlte` operators do.
///
/// The normalization drops a leading `v` and any `+build` suffix, splits on `.` and `-`, appends `~`
/// to a bare `major.minor.patch` (so that `1.0.0` sorts after its prereleases), left-pads each
/// all-digit part with spaces to five characters, and joins the parts with `-`. So `v1.2.3+b7` becomes
/// `"    1-    2-    3-~"`. Anything that is neither a non-empty string nor a number reads as `"0"`.
/// Normalized forms compare by UTF-16 code unit, as JavaScript compares strings.
struct VersionString: Sendable, Comparable {
    /// The normalized form, as UTF-16 code units.
    private let codeUnits: [UInt16]

    /// Normalizes a condition operand or attribute value.
    ///
    /// - Parameter value: A version string (`"1.2.3"`, `"v2.0.0-rc.1+abc"`) or a number (`2`).
    init(_ value: JSONValue) {
        switch value {
        case .string(let s) where !s.isEmpty: codeUnits = Self.normalize(s.utf16)
        case .number(let n): codeUnits = Self.normalize(n.javaScriptString.utf16)
        default: codeUnits = Self.normalize("0".utf16)
        }
    }

    /// The normalized form, for diagnostics and tests.
    var padded: String { String(decoding: codeUnits, as: UTF16.self) }

    static func < (a: VersionString, b: VersionString) -> Bool {
        a.codeUnits.lexicographicallyPrecedes(b.codeUnits)
    }

    private static let dot = UInt16(UInt8(ascii: ".")), dash = UInt16(UInt8(ascii: "-"))
    private static let plus = UInt16(UInt8(ascii: "+")), space = UInt16(UInt8(ascii: " "))
    private static let zero = UInt16(UInt8(ascii: "0")), nine = UInt16(UInt8(ascii: "9"))
    private static let tilde = UInt16(UInt8(ascii: "~")), lowercaseV = UInt16(UInt8(ascii: "v"))

    private static func normalize(_ input: String.UTF16View) -> [UInt16] {
        // The build suffix starts at the first `+` with no line terminator after it
        // (JavaScript's `/\+.*$/` cannot cross one).
        var end = input.endIndex
        var buildStart: String.Index?
        for index in input.indices {
            let unit = input[index]
            if unit == 0x0A || unit == 0x0D || unit == 0x2028 || unit == 0x2029 {
                buildStart = nil
            } else if unit == plus, buildStart == nil {
                buildStart = index
            }
        }
        if let buildStart { end = buildStart }
        var start = input.startIndex
        if start < end, input[start] == lowercaseV { start = input.index(after: start) }

        var output: [UInt16] = []
        output.reserveCapacity(32)
        var partCount = 0
        var partStart = start
        var index = start
        while true {
            let atEnd = index == end
            if atEnd || input[index] == dot || input[index] == dash {
                appendPart(input[partStart..<index], to: &output, isFirst: partCount == 0)
                partCount += 1
                if atEnd { break }
                partStart = input.index(after: index)
            }
            index = input.index(after: index)
        }
        if partCount == 3 { output += [dash, tilde] }
        return output
    }

    /// Appends `-` (unless first) and the part, left-padded with spaces to five characters when it is
    /// all digits, so that `" 9"` sorts before `"10"`.
    private static func appendPart(_ part: Substring.UTF16View, to output: inout [UInt16], isFirst: Bool) {
        if !isFirst { output.append(dash) }
        let count = part.count
        if count > 0, count < 5, part.allSatisfy({ $0 >= zero && $0 <= nine }) {
            output += repeatElement(space, count: 5 - count)
        }
        output += part
    }
}
