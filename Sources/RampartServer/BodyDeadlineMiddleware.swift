import Hummingbird

/// Gives each request a deadline for its body to arrive, which ``Request/collectBody(upTo:advice:)`` enforces with
/// 408 `body_timeout`. A client that sends headers and then stalls, or trickles its body, otherwise holds what the
/// route holds while it reads for as long as it likes.
struct BodyDeadlineMiddleware: RouterMiddleware {
    typealias Context = RampartRequestContext
    /// How long after its headers a request's body may take to arrive in full.
    let timeout: Duration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await BodyDeadline.$current.withValue(BodyDeadline(at: .now.advanced(by: timeout), timeout: timeout)) {
            try await next(request, context)
        }
    }
}

/// When the body of the request being handled must have arrived in full.
struct BodyDeadline: Sendable {
    /// The deadline of the request this task handles; `nil`: none (a controller used without the middleware).
    @TaskLocal static var current: BodyDeadline?
    let at: ContinuousClock.Instant
    /// The timeout it came from, for the 408 answer.
    let timeout: Duration
}
