import Foundation
import NIOCore
import RampartBodyDecoding

extension GzipDecoding {
    /// The body as the handler should read it, according to its `Content-Encoding`.
    ///
    /// - Parameters:
    ///   - body: The request body as received.
    ///   - contentEncoding: The `Content-Encoding` header, if any (`gzip`, `x-gzip`, `identity`).
    ///   - forceGzip: Decompress even without the header (e.g. PostHog's `?compression=gzip-js`).
    ///   - limit: The largest decompressed size accepted, in bytes.
    /// - Returns: The decoded body.
    /// - Throws: ``APIError``: 413 past the limit, 400 for corrupt gzip, 415 for an encoding other than gzip.
    static func decodeBody(_ body: ByteBuffer, contentEncoding: String?, forceGzip: Bool = false, limit: Int) throws -> ByteBuffer {
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
            throw APIError(failure)
        }
    }
}
