import HTTPTypes
import Hummingbird
import NIOCore
import RampartCore

/// An error of Rampart's own API, rendered as `{"error": {"code": …, "message": …}}` with its HTTP status.
public struct APIError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, code: String, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body: JSONValue = ["error": ["code": .string(code), "message": .string(message)]]
        return Response.json(body.jsonText, status: status, headers: headers)
    }
}

extension APIError {
    /// The answer to a store failure: 503 with Retry-After.
    ///
    /// A store waits for other writers (in this process or another, e.g. `rampart ingest` from cron) for its whole
    /// busy timeout before it gives up (docs/operations.md), so `store_busy` means that budget was spent, never that
    /// another process was in a normal transaction. A full disk is 507 `insufficient_storage`. Any other failure is
    /// `store_unavailable`.
    ///
    /// - Parameters:
    ///   - error: What the store threw.
    ///   - prefix: What did not happen, e.g. "the events were not stored: ".
    static func store(_ error: any Error, _ prefix: String = "") -> APIError {
        if let error = error as? RampartError, error.code == .busy {
            return APIError(.serviceUnavailable, code: "store_busy", "\(prefix)\(error.message)", headers: [.retryAfter: "1"])
        }
        if let error = error as? RampartError, error.code == .storageFull {
            return APIError(.init(code: 507, reasonPhrase: "Insufficient Storage"), code: "insufficient_storage", "\(prefix)\(error.message)", headers: [.retryAfter: "10"])
        }
        let why = (error as? RampartError).map { " (\($0.message))" } ?? ""
        return APIError(.serviceUnavailable, code: "store_unavailable", "\(prefix)the database is unavailable\(why); retry", headers: [.retryAfter: "1"])
    }
}
