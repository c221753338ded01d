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
        let check = Self.withPresentedKey(request.headers) { presented in presented.map { keys.scope(of: $0) } }
        guard let known = check else {
            throw APIError.unauthorized(code: "missing_api_key", "send an API key as 'Authorization: Bearer KEY' or 'X-API-Key: KEY'")
        }
        guard let scope = known else {
            throw APIError.unauthorized(code: "invalid_api_key", "the API key is not valid")
        }
        guard accepted.contains(scope) else {
            let needed = accepted.sorted { $0.rawValue < $1.rawValue }.map(\.phrase).joined(separator: " or ")
            throw APIError(.forbidden, code: "wrong_scope", "this route needs \(needed); the key sent is \(scope.phrase)")
        }
        var context = context
        context.scope = scope
        return try await next(request, context)
    }

    /// Calls `body` with the UTF-8 bytes of the key sent as `Authorization: Bearer KEY` (scheme case-insensitive) or
    /// `X-API-Key: KEY`, or with `nil` when there is none. It runs on every authenticated request, so it reads the
    /// header bytes in place; a header sent more than once is read as its values joined with ", ", as `HTTPFields`
    /// presents it.
    static func withPresentedKey<Result>(_ headers: HTTPFields, _ body: (UnsafeBufferPointer<UInt8>?) -> Result) -> Result {
        let bearer: Result? = withValue(of: .authorization, in: headers) { value in value.flatMap(bearerToken).map(body) }
        if let bearer { return bearer }
        return withValue(of: xAPIKey, in: headers) { value in
            guard let value, !value.isEmpty else { return body(nil) }
            return body(value)
        }
    }

    static let xAPIKey = HTTPField.Name("X-API-Key")!

    /// Calls `body` with the bytes of a header's value, or `nil` when the header is absent.
    static func withValue<Result>(of name: HTTPField.Name, in headers: HTTPFields, _ body: (UnsafeBufferPointer<UInt8>?) -> Result) -> Result {
        guard let first = headers.firstIndex(where: { $0.name == name }) else { return body(nil) }
        if headers[headers.index(after: first)...].contains(where: { $0.name == name }), var joined = headers[name] {
            return joined.withUTF8 { body($0) }
        }
        return headers[first].withUnsafeBytesOfValue { body($0) }
    }

    /// The token of a `Bearer` authorization value, without surrounding spaces or tabs; `nil` when empty.
    static func bearerToken(_ value: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        let scheme = "bearer".utf8
        guard value.count > scheme.count, zip(value, scheme).allSatisfy({ $0 | 0x20 == $1 }) else { return nil }
        var start = scheme.count
        guard value[start] == UInt8(ascii: " ") else { return nil }
        var end = value.count
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == 0x09 }
        while start < end, isBlank(value[start]) { start += 1 }
        while end > start, isBlank(value[end - 1]) { end -= 1 }
        guard start < end else { return nil }
        return UnsafeBufferPointer(rebasing: value[start..<end])
    }
}
