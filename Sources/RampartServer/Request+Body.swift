import Hummingbird
import NIOCore

extension Request {
    /// The whole body: 413 `body_too_large` when it is longer than `limit` bytes, and 408 `body_timeout` (with
    /// `Connection: close`) when it has not arrived in full by the request's ``BodyDeadline``.
    ///
    /// - Parameters:
    ///   - limit: The most bytes accepted.
    ///   - advice: What the 413 answer adds after the limit, e.g. "; send smaller batches".
    func collectBody(upTo limit: Int, advice: String = "") async throws -> ByteBuffer {
        do {
            guard let deadline = BodyDeadline.current else { return try await body.collect(upTo: limit) }
            // Read in a child task so that the deadline can cancel it: a cancelled read ends the request's inbound
            // stream, and the server closes the connection once the 408 is written.
            let request = self
            let collected = try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                group.addTask { try await request.body.collect(upTo: limit) }
                group.addTask {
                    try await Task.sleep(until: deadline.at, clock: .continuous)
                    return nil
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
            guard let collected else {
                throw APIError(
                    .requestTimeout, code: "body_timeout",
                    "the request body did not arrive in full within \(deadline.timeout.components.seconds) s of its headers",
                    headers: [.connection: "close"]
                )
            }
            return collected
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, code: "body_too_large", "the request body is larger than \(limit) bytes\(advice)")
        }
    }
}
