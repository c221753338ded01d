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

    /// The key sent as `Authorization: Bearer KEY` (scheme case-insensitive) or `X-API-Key: KEY`, read on the
    /// UTF-8 bytes: it runs on every authenticated request.
    static func presentedKey(_ headers: HTTPFields) -> Substring? {
        if let authorization = headers[.authorization], let key = bearerToken(authorization) {
            return key
        }
        if let key = headers[xAPIKey], !key.isEmpty { return Substring(key) }
        return nil
    }

    static let xAPIKey = HTTPField.Name("X-API-Key")!

    /// The token of a `Bearer` authorization value, without surrounding spaces or tabs; `nil` when empty.
    static func bearerToken(_ value: String) -> Substring? {
        let utf8 = value.utf8
        let scheme = "bearer".utf8
        guard utf8.count > scheme.count, zip(utf8, scheme).allSatisfy({ $0 | 0x20 == $1 }) else { return nil }
        var start = utf8.index(utf8.startIndex, offsetBy: scheme.count)
        guard utf8[start] == UInt8(ascii: " ") else { return nil }
        var end = utf8.endIndex
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == 0x09 }
        while start < end, isBlank(utf8[start]) { start = utf8.index(after: start) }
        while end > start, isBlank(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        guard start < end else { return nil }
        return value[start..<end]
    }
}
