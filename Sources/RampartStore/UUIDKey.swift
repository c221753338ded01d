import Foundation

/// A uuid as two integers: cheaper to hash and compare than `UUID` in the ingest path's sets.
struct UUIDKey: Hashable, Sendable {
    var high: UInt64
    var low: UInt64

    /// The key of a uuid's 16 bytes.
    init(_ uuid: uuid_t) {
        (high, low) = withUnsafeBytes(of: uuid) { raw in
            (raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        }
    }

    /// The key of 16 bytes read from a blob.
    init(bytes: UnsafeRawPointer) {
        high = bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
        low = bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
    }
}
