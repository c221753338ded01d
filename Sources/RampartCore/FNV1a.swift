/// The 32-bit FNV-1a hash over UTF-16 code units, as GrowthBook's SDKs compute it.
///
/// See docs/bucketing.md. The offset basis is 0x811c9dc5 and the prime 0x01000193; each UTF-16 code unit is
/// XOR-ed into the low bits and the state multiplied by the prime, modulo 2^32.
public struct FNV1a: Sendable {
    /// The running state; starts at the FNV offset basis.
    public var value: UInt32 = 0x811c_9dc5

    public init() {}

    /// Mixes one UTF-16 code unit into the state.
    @inlinable
    public mutating func combine(_ codeUnit: UInt16) {
        value = (value ^ UInt32(codeUnit)) &* 0x0100_0193
    }

    /// Mixes every UTF-16 code unit of `string` into the state.
    ///
    /// ASCII strings, the common case for unit ids and salts, are hashed straight from their UTF-8 storage, where
    /// each byte is also the UTF-16 code unit; anything else goes through the UTF-16 view.
    @inlinable
    public mutating func combine(_ string: String) {
        let start = value
        let wasASCII = string.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            var state = start
            for byte in bytes {
                guard byte < 0x80 else { return false }
                state = (state ^ UInt32(byte)) &* 0x0100_0193
            }
            value = state
            return true
        }
        if wasASCII != true {
            value = start
            for unit in string.utf16 { combine(unit) }
        }
    }

    /// Mixes the decimal digits of `number` into the state, as if it were `String(number)`, without allocating.
    @inlinable
    public mutating func combineDecimal(_ number: UInt32) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = number
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(rest % 10)
                rest /= 10
                count += 1
            } while rest > 0
            while count > 0 {
                count -= 1
                combine(UInt16(buffer[count]) + 48)
            }
        }
    }

    /// The hash of one string.
    @inlinable
    public static func hash(_ string: String) -> UInt32 {
        var h = FNV1a()
        h.combine(string)
        return h.value
    }
}
