import Foundation
import NIOCore

/// PostHog's form-encoded capture bodies: `data=<payload>` as `application/x-www-form-urlencoded`, which posthog-js
/// sends with `?compression=base64` and older SDKs send by default. The payload is the JSON body, base64-encoded
/// (standard or URL-safe alphabet, padding optional; a `+` turned into a space by form encoding is read as `+`)
/// or, rarely, the JSON text itself; base64 of gzip bytes is decompressed. A `compression` form field counts as the
/// query parameter does.
///
/// No HTTP here: ``decode(_:limit:)`` throws ``Failure``, which the server renders as PostHog's errors.
public enum PostHogFormBody {
    /// Why a form body could not be read.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// The body or its `data` field is malformed (HTTP 400 `invalid_payload`); the text names what is wrong.
        case invalidPayload(String)
        /// The base64-decoded data is larger than `limit` bytes (HTTP 413).
        case tooLarge(limit: Int)
        /// The data is gzip and could not be decompressed within the limit.
        case gzip(GzipDecoding.Failure)

        public var description: String {
            switch self {
            case .invalidPayload(let why): why
            case .tooLarge(let limit): "the decoded data is larger than \(limit) bytes; send smaller batches"
            case .gzip(let failure): failure.description
            }
        }
    }

    /// Whether a body is form-encoded: by its content type, by `?compression=base64`, or by starting with `data=`.
    ///
    /// - Parameters:
    ///   - body: The body (after any `Content-Encoding` was removed).
    ///   - contentType: The `Content-Type` header.
    ///   - compression: The `compression` query parameter.
    public static func applies(to body: ByteBuffer, contentType: String?, compression: String?) -> Bool {
        if contentType?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true || compression == "base64" { return true }
        return body.readableBytesView.starts(with: "data=".utf8)
    }

    /// The JSON body inside a form body.
    ///
    /// - Parameters:
    ///   - body: The form body.
    ///   - limit: The largest decoded (and decompressed) size accepted.
    /// - Returns: The JSON bytes.
    /// - Throws: ``Failure``: the field and what is wrong with it, or the limit passed.
    public static func decode(_ body: ByteBuffer, limit: Int) throws -> ByteBuffer {
        var fields: [String: String] = [:]
        for pair in String(decoding: body.readableBytesView, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = parts.first.flatMap({ formDecoded($0) }), parts.count == 2, let value = formDecoded(parts[1]) else {
                throw Failure.invalidPayload("the form body is not application/x-www-form-urlencoded: bad percent-encoding in '\(pair.prefix(40))'")
            }
            fields[name] = value
        }
        guard let data = fields["data"], !data.isEmpty else {
            throw Failure.invalidPayload("data: the form body has no data field; send data=<base64 of the JSON body>")
        }
        let trimmed = data.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") {
            return ByteBuffer(string: trimmed)
        }
        // Not the trimmed text: a space in base64 is a `+` that form encoding turned into one, so a payload whose
        // base64 starts or ends with `+`, sent raw, would lose it (FuzzPostHogForm found it; PostHogFormBodyTests).
        guard let bytes = base64Decoded(data) else {
            throw Failure.invalidPayload("data: not base64 (nor JSON text); send data=<base64 of the JSON body>")
        }
        let decoded = ByteBuffer(bytes: bytes)
        guard decoded.readableBytes <= limit else {
            throw Failure.tooLarge(limit: limit)
        }
        let compressed = fields["compression"].map { $0 == "gzip" || $0 == "gzip-js" } ?? false
        guard compressed || GzipDecoding.looksCompressed(decoded) else { return decoded }
        do {
            return try GzipDecoding.decompress(decoded, limit: limit)
        } catch let failure as GzipDecoding.Failure {
            throw Failure.gzip(failure)
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
