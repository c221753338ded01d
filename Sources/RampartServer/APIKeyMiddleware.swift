import RampartStore
import HTTPTypes
import Hummingbird

/// Requires an API key of a given scope, sent as `Authorization: Bearer KEY` or `X-API-Key: KEY`.
///
/// A missing or unknown key gets 401; a known key of another scope gets 403.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = RampartRequestContext

    let keys: KeyRing
    /// The scopes accepted on the routes behind this middleware.
    let accepted: Set<KeyScope>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let presented = Self.presentedKey(request.headers) else {
            throw APIError(.unauthorized, code: "missing_api_key", "send an API key as 'Authorization: Bearer KEY' or 'X-API-Key: KEY'")
        }
        guard let scope = keys.scope(of: presented) else {
            throw APIError(.unauthorized, code: "invalid_api_key", "the API key is not valid")
        }
        guard accepted.contains(scope) else {
            let needed = accepted.map(\.rawValue).sorted().joined(separator: " or ")
            throw APIError(.forbidden, code: "wrong_scope", "this route needs a \(needed) key; the key sent is a \(scope.rawValue) key")
        }
        var context = context
        context.scope = scope
        return try await next(request, context)
    }

    static func presentedKey(_ headers: HTTPFields) -> String? {
        if let authorization = headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let key = parts[1].trimmingCharacters(in: .whitespaces)
                if !key.isEmpty { return key }
            }
        }
        if let key = headers[HTTPField.Name("X-API-Key")!], !key.isEmpty { return key }
        return nil
    }
}
