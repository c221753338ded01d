import NIOCore
import PostgresNIO

/// A `bigint[]` parameter encoded once in PostgreSQL's binary array format, so that binding it to many statements
/// copies its bytes instead of encoding each element again (an analysis binds the same unit arrays to every read of
/// a shard; element by element, the encoding was most of the client's time).
///
/// The format (PostgreSQL's `array_send`): the number of dimensions (1), a has-nulls flag (0), the element type's
/// OID (`int8`, 20), then per dimension its length and lower bound (1), then per element its byte length (8) and its
/// value, all big-endian.
struct PostgresInt8Array: PostgresNonThrowingEncodable, Sendable {
    static var psqlType: PostgresDataType { .int8Array }
    static var psqlFormat: PostgresFormat { .binary }

    /// The encoded array.
    let bytes: ByteBuffer

    init(_ values: [Int64]) {
        var buffer = ByteBufferAllocator().buffer(capacity: 20 + values.count * 12)
        buffer.writeInteger(Int32(1))
        buffer.writeInteger(Int32(0))
        buffer.writeInteger(Int32(bitPattern: PostgresDataType.int8.rawValue))
        buffer.writeInteger(Int32(values.count))
        buffer.writeInteger(Int32(1))
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: values.count * 12) { raw in
            var offset = 0
            for value in values {
                raw.storeBytes(of: Int32(8).bigEndian, toByteOffset: offset, as: Int32.self)
                raw.storeBytes(of: value.bigEndian, toByteOffset: offset + 4, as: Int64.self)
                offset += 12
            }
            return offset
        }
        bytes = buffer
    }

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeImmutableBuffer(bytes)
    }
}
