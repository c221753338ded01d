import CCompressZlib
import CompressNIO
import Foundation
import HTTPTypes
import NIOCore

/// Decoding of gzip-compressed request bodies, bounded in the decompressed size.
///
/// A gzip body expands by up to about 1,000 times, so a small request can carry a "gzip bomb": the decompressed
/// size is capped, and a body that would decompress to more is refused (413) without ever being decompressed in
/// full. Used by the ingest adapters (PostHog capture, OTLP/HTTP); the limit is the route's own body limit, so a
/// compressed body may hold as much as an uncompressed one may.
///
/// ```swift
/// let json = try GzipDecoding.decompress(body, limit: maxBodyBytes)          // throws GzipDecoding.Failure
/// let json = try GzipDecoding.decodeBody(body, contentEncoding: "gzip", limit: maxBodyBytes)  // throws APIError
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

        /// The same failure as an API error: 413 `body_too_large` or 400 `invalid_gzip`.
        public var apiError: APIError {
            switch self {
            case .tooLarge: APIError(.contentTooLarge, code: "body_too_large", description)
            case .corrupt: APIError(.badRequest, code: "invalid_gzip", description)
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
    /// - Parameters:
    ///   - body: The compressed bytes (one gzip member, RFC 1952).
    ///   - limit: The largest decompressed size accepted, in bytes.
    /// - Returns: The decompressed bytes, at most `limit` of them.
    /// - Throws: ``Failure/tooLarge(limit:)`` past the limit (nothing beyond it is decompressed),
    ///   ``Failure/corrupt(_:)`` for data that is not gzip.
    public static func decompress(_ body: ByteBuffer, limit: Int) throws -> ByteBuffer {
        var input = body
        do {
            // Decompress into at most limit + 1 bytes: reaching limit + 1 proves the body is too large, and the
            // library stops at its output buffer's size.
            let output = try input.decompress(with: .gzip(), maxSize: limit + 1)
            if output.readableBytes > limit { throw Failure.tooLarge(limit: limit) }
            if let problem = trailerProblem(body, output: output) { throw Failure.corrupt(problem) }
            return output
        } catch let error as CompressNIOError {
            if error == .bufferOverflow { throw Failure.tooLarge(limit: limit) }
            throw Failure.corrupt(error.description)
        }
    }

    /// Why a decompressed body is not the whole of what its gzip member holds, or `nil` when it is.
    ///
    /// The decompressor stops quietly where the input stops, so a truncated body would otherwise pass as a shorter
    /// one. A complete member ends with its trailer (RFC 1952, 2.3.1): the CRC-32 of the data and its size modulo
    /// 2^32, both little-endian; the last 8 bytes of a cut body match both only by a 2^-64 chance.
    ///
    /// - Parameters:
    ///   - body: The compressed bytes.
    ///   - output: What they decompressed to.
    static func trailerProblem(_ body: ByteBuffer, output: ByteBuffer) -> String? {
        let truncated = "truncated: the body ends before the end of its gzip stream; send the whole compressed body"
        guard body.readableBytes >= 18,
            let crc = body.getInteger(at: body.readerIndex + body.readableBytes - 8, endianness: .little, as: UInt32.self),
            let size = body.getInteger(at: body.readerIndex + body.readableBytes - 4, endianness: .little, as: UInt32.self)
        else { return truncated }
        guard size == UInt32(truncatingIfNeeded: output.readableBytes) else { return truncated }
        let computed = output.withUnsafeReadableBytes { raw in
            CCompressZlib.crc32(0, raw.bindMemory(to: Bytef.self).baseAddress, uInt(raw.count))
        }
        guard UInt32(computed) == crc else { return truncated }
        return nil
    }

    /// The body as the handler should read it, according to its `Content-Encoding`.
    ///
    /// - Parameters:
    ///   - body: The request body as received.
    ///   - contentEncoding: The `Content-Encoding` header, if any (`gzip`, `x-gzip`, `identity`).
    ///   - forceGzip: Decompress even without the header (e.g. PostHog's `?compression=gzip-js`).
    ///   - limit: The largest decompressed size accepted, in bytes.
    /// - Returns: The decoded body.
    /// - Throws: ``APIError``: 413 past the limit, 400 for corrupt gzip, 415 for an encoding other than gzip.
    public static func decodeBody(_ body: ByteBuffer, contentEncoding: String?, forceGzip: Bool = false, limit: Int) throws -> ByteBuffer {
        let encoding = contentEncoding?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        let gzip: Bool
        switch encoding {
        case "gzip", "x-gzip": gzip = true
        case "", "identity": gzip = forceGzip
        default:
            throw APIError(.unsupportedMediaType, code: "unsupported_encoding", "Content-Encoding '\(encoding.prefix(40))' is not supported; send gzip or identity")
        }
        guard gzip else { return body }
        do {
            return try decompress(body, limit: limit)
        } catch let failure as Failure {
            throw failure.apiError
        }
    }
}
