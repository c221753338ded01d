import HTTPTypes
import Hummingbird
import RampartCore

/// An error of the PostHog capture routes, rendered as PostHog's capture service renders its own:
/// `{"type": "validation_error", "code": "invalid_payload", "detail": "…", "attr": null}`. PostHog's SDKs read
/// `detail`, retry on 5xx and 429, and drop the batch on other 4xx.
struct PostHogError: HTTPResponseError, Sendable {
    var status: HTTPResponse.Status
    var type: String
    var code: String
    var detail: String
    var headers: HTTPFields

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - status: The HTTP status.
    ///   - type: PostHog's error type: `validation_error`, `authentication_error`, `server_error`, …
    ///   - code: A stable code, e.g. `invalid_payload`, `invalid_api_key`, `body_too_large`.
    ///   - detail: What is wrong, naming the field.
    ///   - headers: Extra headers (Retry-After).
    init(_ status: HTTPResponse.Status, type: String = "validation_error", code: String, _ detail: String, headers: HTTPFields = [:]) {
        self.status = status
        self.type = type
        self.code = code
        self.detail = detail
        self.headers = headers
    }

    /// The same failure as one of Rampart's own API errors (gzip, overload, store outage).
    init(_ error: APIError) {
        let type = switch error.status.code {
        case 401, 403: "authentication_error"
        case 500...: "server_error"
        default: "validation_error"
        }
        self.init(error.status, type: type, code: error.code, error.message, headers: error.headers)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body: JSONValue = ["type": .string(type), "code": .string(code), "detail": .string(detail), "attr": .null]
        return Response.json(body.jsonText, status: status, headers: headers)
    }
}
