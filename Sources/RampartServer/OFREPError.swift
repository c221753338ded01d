import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RampartCore

/// An OFREP evaluation failure, rendered in the exact shape of the OFREP specification.
struct OFREPError: HTTPResponseError {
    /// OFREP's error codes.
    enum Code: String {
        case parseError = "PARSE_ERROR"
        case targetingKeyMissing = "TARGETING_KEY_MISSING"
        case invalidContext = "INVALID_CONTEXT"
        case general = "GENERAL"
        case flagNotFound = "FLAG_NOT_FOUND"
    }

    var code: Code
    var details: String
    /// The flag key, for single evaluations; bulk failures have none.
    var key: String?

    var status: HTTPResponse.Status {
        code == .flagNotFound ? .notFound : .badRequest
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var body: [String: JSONValue] = ["errorCode": .string(code.rawValue), "errorDetails": .string(details)]
        if let key { body["key"] = .string(key) }
        return Response.json(JSONValue.object(body).jsonText, status: status)
    }
}

extension Response {
    /// A JSON response from already-encoded text.
    static func json(_ text: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
