import Hummingbird
import NIOCore

extension Request {
    /// The whole body, or 413 `body_too_large` when it is longer than `limit` bytes.
    ///
    /// - Parameter limit: The most bytes accepted.
    func collectBody(upTo limit: Int) async throws -> ByteBuffer {
        do {
            return try await body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, code: "body_too_large", "the request body is larger than \(limit) bytes")
        }
    }
}
