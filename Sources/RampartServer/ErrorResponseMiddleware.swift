import Hummingbird

/// Renders a thrown HTTP error (401, 403, 404, 422, 503, …) as its response inside the metrics middleware.
///
/// Hummingbird's `MetricsMiddleware` counts a thrown error but records its duration only for a returned response,
/// so without this the request-duration histogram would leave out every refused request while the request counter
/// includes it. Errors that are not HTTP errors are rethrown unchanged (the server logs them and answers 500).
struct ErrorResponseMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            return try error.response(from: request, context: context)
        }
    }
}
