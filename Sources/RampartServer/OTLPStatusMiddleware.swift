import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OTLPProto

/// Renders the errors of the OTLP route, its API-key check included, as OTLP/HTTP requires: a `google.rpc.Status`
/// body in the request's encoding (protobuf unless the request was JSON), with the HTTP status and headers
/// (Retry-After) of the error.
struct OTLPStatusMiddleware: RouterMiddleware {
    typealias Context = RampartRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return Self.response(error, encoding: OTLPTraceIngest.Encoding(contentType: request.headers[.contentType]) ?? .protobuf)
        }
    }

    /// The Status answer of an API error.
    ///
    /// - Parameters:
    ///   - error: The error, with its HTTP status, code and message.
    ///   - encoding: The request's encoding.
    static func response(_ error: APIError, encoding: OTLPTraceIngest.Encoding) -> Response {
        var status = Google_Rpc_Status()
        status.code = grpcCode(error.status)
        status.message = "\(error.code): \(error.message)"
        let bytes = (try? OTLPTraceIngest.encode(status, encoding: encoding)) ?? []
        var headers = error.headers
        headers[.contentType] = encoding.contentType
        return Response(status: error.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The google.rpc.Code closest to an HTTP status (the mapping of gRPC-HTTP transcoding).
    static func grpcCode(_ status: HTTPResponse.Status) -> Int32 {
        switch status.code {
        case 400, 413, 415: 3  // INVALID_ARGUMENT
        case 401: 16  // UNAUTHENTICATED
        case 403: 7  // PERMISSION_DENIED
        case 404: 5  // NOT_FOUND
        case 429: 8  // RESOURCE_EXHAUSTED
        case 503: 14  // UNAVAILABLE
        default: 2  // UNKNOWN
        }
    }
}
