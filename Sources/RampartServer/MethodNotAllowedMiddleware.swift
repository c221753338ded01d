import HTTPTypes
import Hummingbird

/// Answers a request the router found no route for: 405 `method_not_allowed` with `Allow` when the path is a route
/// of the API asked with another method (``RouteMethods``), and otherwise 404 `not_found` with a JSON body that
/// names the method and path, where Hummingbird's own 404 has no body.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = RampartRequestContext
    let routes: RouteMethods

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path
            guard let allowed = routes.methods(for: path), !allowed.contains(request.method) else {
                throw APIError(.notFound, code: "not_found", "no route \(request.method.rawValue) \(path); the API is described at /openapi.yaml")
            }
            let list = allowed.map(\.rawValue).sorted().joined(separator: ", ")
            throw APIError(.methodNotAllowed, code: "method_not_allowed", "\(request.method.rawValue) is not allowed on \(path); it answers \(list)", headers: [.allow: list])
        }
    }
}
