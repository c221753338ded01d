import Hummingbird

/// The service's responder: single-flag OFREP evaluation, the route SDKs call for every flag read, is dispatched
/// without the router; every other request goes to the router.
///
/// Hummingbird's router splits the path into components one `Character` at a time, which costs about a microsecond
/// for the 46-byte evaluation path (against 0.1 µs for `/healthz`), and builds the endpoint's path string for metrics
/// on every request. Here a plain `POST /ofrep/v1/evaluate/flags/{key}` — one non-empty component after the prefix
/// — is recognised by comparing bytes, and its key is handed to the same handler (without the router's parameter
/// dictionary) behind the same middleware as in the router: `MetricsMiddleware` (with the route's endpoint path as
/// its label), `ErrorResponseMiddleware`, then the SDK-key check. Any
/// other form of the path (a trailing slash, an empty component) is left to the router, which serves it the same
/// way; the route stays registered there too.
struct EvaluationFastPath: HTTPResponder {
    typealias Context = RampartRequestContext

    /// The router's responder, for every other request.
    let router: RouterResponder<Context>
    /// The metrics middleware, as on the router (another instance: it records into the same metrics, by label).
    let metrics: MetricsMiddleware<Context>
    /// Renders thrown HTTP errors inside the metrics middleware, as on the router.
    let errors = ErrorResponseMiddleware<Context>()
    /// The SDK-key check, as on the router's `ofrep/v1` group.
    let sdkKey: APIKeyMiddleware
    /// The single-flag evaluation handler, given the flag key.
    let evaluate: @Sendable (Request, String) async throws -> Response

    /// The path before the flag key.
    static let prefix = "/ofrep/v1/evaluate/flags/"
    /// The route as registered on the router: the endpoint label of the metrics.
    static let endpoint = "/ofrep/v1/evaluate/flags/{key}"

    /// Serves a single-flag evaluation, or hands the request to the router.
    ///
    /// - Parameters:
    ///   - request: The request.
    ///   - context: Its context.
    func respond(to request: Request, context: Context) async throws -> Response {
        guard request.method == .post, let component = Self.flagKey(in: request.uri.path) else {
            return try await router.respond(to: request, context: context)
        }
        context.coreContext.endpointPath.value = Self.endpoint
        let key = String(component)
        return try await metrics.handle(request, context: context) { request, context in
            try await errors.handle(request, context: context) { request, context in
                try await sdkKey.handle(request, context: context) { request, _ in try await evaluate(request, key) }
            }
        }
    }

    /// The flag key of a single-flag evaluation path: the one non-empty component after ``prefix``; `nil` for any
    /// other path.
    ///
    /// - Parameter path: The request's path, without the query.
    static func flagKey(in path: String) -> Substring? {
        let utf8 = path.utf8
        guard utf8.starts(with: prefix.utf8) else { return nil }
        let key = utf8.dropFirst(prefix.utf8.count)
        guard !key.isEmpty, !key.contains(UInt8(ascii: "/")) else { return nil }
        return Substring(key)
    }
}
