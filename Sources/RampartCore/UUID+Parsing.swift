import Foundation

extension UUID {
    /// Parses the canonical 8-4-4-4-12 hexadecimal form, in either case, without going through `sscanf`.
    ///
    /// - Parameter text: The text.
    /// - Returns: The UUID, or `nil` when the text is not exactly a UUID.
    static func parsingCanonical(_ text: String) -> UUID? {
        var text = text
        return text.withUTF8 { parsingCanonical(utf8: $0) }
    }

    /// Parses the canonical form from UTF-8 bytes (see ``parsingCanonical(_:)``).
    ///
    /// - Parameter b: The bytes.
    /// - Returns: The UUID, or `nil` when the bytes are not exactly a UUID.
    static func parsingCanonical(utf8 b: UnsafeBufferPointer<UInt8>) -> UUID? {
        guard b.count == 36, b[8] == 0x2D, b[13] == 0x2D, b[18] == 0x2D, b[23] == 0x2D else { return nil }
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let ok = withUnsafeMutableBytes(of: &bytes) { out -> Bool in
            var j = 0
            var i = 0
            while i < 36 {
                if i == 8 || i == 13 || i == 18 || i == 23 { i += 1; continue }
                guard let high = hexValue(b[i]), let low = hexValue(b[i + 1]) else { return false }
                out[j] = high << 4 | low
                j += 1
                i += 2
            }
            return true
        }
        return ok ? UUID(uuid: bytes) : nil
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }
}
