import Foundation

/// A uuid as two big-endian integers: cheap to compare, and ordered as SQLite orders the 16-byte blob.
struct UUIDKey: Hashable, Comparable, Sendable {
    var high: UInt64
    var low: UInt64

    /// The key of a uuid's 16 bytes.
    init(_ uuid: uuid_t) {
        (high, low) = withUnsafeBytes(of: uuid) { raw in
            (UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
             UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }

    /// The key of 16 bytes read from a blob.
    init(bytes: UnsafeRawPointer) {
        high = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        low = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
    }

    static func < (a: UUIDKey, b: UUIDKey) -> Bool {
        a.high != b.high ? a.high < b.high : a.low < b.low
    }
}
