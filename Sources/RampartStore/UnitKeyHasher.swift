import Crypto

/// Turns unit ids into keyed hashes, so the database never holds them in clear.
///
/// HMAC-SHA-256 with a secret key, truncated to 128 bits and written in hex: stable for a key (so a unit's events
/// and exposures still join), not reversible without the key, and collision-free in practice.
struct UnitKeyHasher: Sendable {
    let key: [UInt8]

    init(key: [UInt8]) {
        self.key = key
    }

    /// The stored form of a unit id.
    func hash(_ unit: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(unit.utf8), using: SymmetricKey(data: key))
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for byte in mac.prefix(16) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
