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
