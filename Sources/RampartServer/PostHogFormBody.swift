import Foundation
import NIOCore

/// PostHog's form-encoded capture bodies: `data=<payload>` as `application/x-www-form-urlencoded`, which posthog-js
/// sends with `?compression=base64` and older SDKs send by default. The payload is the JSON body, base64-encoded
/// (standard or URL-safe alphabet, padding optional; a `+` turned into a space by form encoding is read as `+`)
/// or, rarely, the JSON text itself; base64 of gzip bytes is decompressed. A `compression` form field counts as the
/// query parameter does.
enum PostHogFormBody {
    /// Whether a body is form-encoded: by its content type, by `?compression=base64`, or by starting with `data=`.
    ///
    /// - Parameters:
    ///   - body: The body (after any `Content-Encoding` was removed).
    ///   - contentType: The `Content-Type` header.
    ///   - compression: The `compression` query parameter.
    static func applies(to body: ByteBuffer, contentType: String?, compression: String?) -> Bool {
        if contentType?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true || compression == "base64" { return true }
        return body.readableBytesView.starts(with: "data=".utf8)
    }

    /// The JSON body inside a form body.
    ///
    /// - Parameters:
    ///   - body: The form body.
    ///   - limit: The largest decoded (and decompressed) size accepted.
    /// - Returns: The JSON bytes.
    /// - Throws: ``PostHogError``: 400 `invalid_payload` naming what is wrong, 413 past the limit.
    static func decode(_ body: ByteBuffer, limit: Int) throws -> ByteBuffer {
        var fields: [String: String] = [:]
        for pair in String(decoding: body.readableBytesView, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = parts.first.flatMap({ formDecoded($0) }), parts.count == 2, let value = formDecoded(parts[1]) else {
                throw PostHogError(.badRequest, code: "invalid_payload", "the form body is not application/x-www-form-urlencoded: bad percent-encoding in '\(pair.prefix(40))'")
            }
            fields[name] = value
        }
        guard let data = fields["data"], !data.isEmpty else {
            throw PostHogError(.badRequest, code: "invalid_payload", "data: the form body has no data field; send data=<base64 of the JSON body>")
        }
        let trimmed = data.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") {
            return ByteBuffer(string: trimmed)
        }
        guard let bytes = base64Decoded(trimmed) else {
            throw PostHogError(.badRequest, code: "invalid_payload", "data: not base64 (nor JSON text); send data=<base64 of the JSON body>")
        }
        let decoded = ByteBuffer(bytes: bytes)
        guard decoded.readableBytes <= limit else {
            throw PostHogError(.contentTooLarge, code: "body_too_large", "the decoded data is larger than \(limit) bytes; send smaller batches")
        }
        let compressed = fields["compression"].map { $0 == "gzip" || $0 == "gzip-js" } ?? false
        guard compressed || GzipDecoding.looksCompressed(decoded) else { return decoded }
        do {
            return try GzipDecoding.decompress(decoded, limit: limit)
        } catch let failure as GzipDecoding.Failure {
            throw PostHogError(failure.apiError)
        }
    }

    /// A form-encoded name or value: `+` is a space, `%XX` a byte.
    static func formDecoded(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// Base64 as PostHog's SDKs send it: either alphabet, padding optional, spaces read as `+`.
    static func base64Decoded(_ text: String) -> [UInt8]? {
        var normalized = String(text.compactMap { c -> Character? in
            switch c {
            case " ", "-": "+"
            case "_": "/"
            case "\n", "\r", "\t": nil
            default: c
            }
        })
        normalized += String(repeating: "=", count: (4 - normalized.utf8.count % 4) % 4)
        return Data(base64Encoded: normalized).map { Array($0) }
    }
}
