import CCompressZlib
import NIOCore

/// Decoding of gzip-compressed request bodies, bounded in the decompressed size.
///
/// A gzip body expands by up to about 1,000 times, so a small request can carry a "gzip bomb": the decompressed
/// size is capped, and a body that would decompress to more is refused (413) without ever being decompressed in
/// full. Used by the ingest adapters (PostHog capture, OTLP/HTTP); the limit is the route's own body limit, so a
/// compressed body may hold as much as an uncompressed one may. The server maps ``Failure`` to its HTTP errors and
/// reads `Content-Encoding` (`GzipDecoding.decodeBody` in RampartServer); this module knows no HTTP, so the fuzzer
/// (Fuzz/, `FuzzGzip`) links it alone.
///
/// ```swift
/// let json = try GzipDecoding.decompress(body, limit: maxBodyBytes)          // throws GzipDecoding.Failure
/// ```
public enum GzipDecoding {
    /// Why a body could not be decompressed.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// The body decompresses to more than `limit` bytes (HTTP 413).
        case tooLarge(limit: Int)
        /// The body is not valid gzip (HTTP 400): a bad header, corrupt or truncated data.
        case corrupt(String)

        public var description: String {
            switch self {
            case .tooLarge(let limit): "the gzip body decompresses to more than \(limit) bytes; send smaller batches"
            case .corrupt(let why): "the body is not valid gzip data (\(why))"
            }
        }
    }

    /// Whether the bytes start with the gzip magic number (1f 8b), for clients that compress without saying so.
    ///
    /// - Parameter body: The request body.
    public static func looksCompressed(_ body: ByteBuffer) -> Bool {
        body.readableBytes >= 2 && body.getInteger(at: body.readerIndex, as: UInt8.self) == 0x1F
            && body.getInteger(at: body.readerIndex + 1, as: UInt8.self) == 0x8B
    }

    /// Decompresses a gzip body, refusing to produce more than `limit` bytes.
    ///
    /// zlib's `inflate` runs over the body into an output that grows up to `limit + 1` bytes: reaching `limit + 1`
    /// proves the body too large, and nothing beyond is decompressed. The body is taken only when zlib reaches the
    /// end of its gzip member (RFC 1952), trailer checked, exactly where the body ends: a body cut short, or with
    /// bytes after its member (a second member included), is refused by name.
    ///
    /// - Parameters:
    ///   - body: The compressed bytes (one gzip member).
    ///   - limit: The largest decompressed size accepted, in bytes.
    /// - Returns: The decompressed bytes, at most `limit` of them.
    /// - Throws: ``Failure/tooLarge(limit:)`` past the limit, ``Failure/corrupt(_:)`` for data that is not one whole
    ///   gzip member.
    public static func decompress(_ body: ByteBuffer, limit: Int) throws -> ByteBuffer {
        guard body.readableBytes <= Int(UInt32.max) else { throw Failure.tooLarge(limit: limit) }
        var stream = z_stream()
        guard CCompressZlib_inflateInit2(&stream, 16 + MAX_WBITS) == Z_OK else {
            throw Failure.corrupt("zlib could not start: out of memory")
        }
        defer { inflateEnd(&stream) }
        var output = ByteBuffer()
        var chunk = min(limit + 1, max(4 * body.readableBytes, 4_096))
        try body.withUnsafeReadableBytes { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(input.count)
            while true {
                let room = min(chunk, limit + 1 - output.readableBytes)
                output.reserveCapacity(minimumWritableBytes: room)
                let (code, written) = output.withUnsafeMutableWritableBytes { out in
                    stream.next_out = out.bindMemory(to: Bytef.self).baseAddress
                    stream.avail_out = uInt(room)
                    let code = inflate(&stream, Z_NO_FLUSH)
                    return (code, room - Int(stream.avail_out))
                }
                output.moveWriterIndex(forwardBy: written)
                if output.readableBytes > limit { throw Failure.tooLarge(limit: limit) }
                switch code {
                case Z_STREAM_END:
                    guard stream.avail_in == 0 else {
                        throw Failure.corrupt("\(stream.avail_in) bytes after the end of the gzip stream; send one gzip member and nothing after it")
                    }
                    return
                case Z_OK where stream.avail_out == 0:
                    chunk = min(2 * chunk, limit + 1)
                case Z_OK, Z_BUF_ERROR:
                    // Output room was left, so zlib stopped for want of input: at its end, the member is cut short;
                    // otherwise (not seen with a single call's input, but allowed by zlib) go on.
                    guard stream.avail_in > 0 else {
                        throw Failure.corrupt("truncated: the body ends before the end of its gzip stream; send the whole compressed body")
                    }
                case Z_MEM_ERROR:
                    throw Failure.corrupt("zlib ran out of memory")
                default:
                    let why = stream.msg.map { String(cString: $0) } ?? "zlib error \(code)"
                    throw Failure.corrupt(why)
                }
            }
        }
        return output
    }
}
