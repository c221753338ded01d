import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import RampartCore
import RampartStore
@testable import RampartServer

/// Drives the console like a browser: keeps cookies, reads the CSRF token from pages, posts forms.
struct ConsoleBrowser {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]

    init(_ client: any TestClientProtocol) { self.client = client }

    var cookieHeader: HTTPFields {
        var fields = HTTPFields()
        if !cookies.isEmpty { fields[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ") }
        return fields
    }

    /// Remembers the cookies a response sets (an empty value deletes).
    mutating func keep(_ response: TestResponse) {
        for value in response.headers[values: .setCookie] {
            let pair = value.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0]), v = pair.count > 1 ? String(pair[1]) : ""
            cookies[name] = v.isEmpty ? nil : v
        }
    }

    mutating func get(_ uri: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var fields = cookieHeader
        fields.append(contentsOf: headers)
        let response = try await client.execute(uri: uri, method: .get, headers: fields, body: nil)
        keep(response)
        return response
    }

    mutating func post(_ uri: String, _ form: [(String, String)]) async throws -> TestResponse {
        var fields = cookieHeader
        fields[.contentType] = "application/x-www-form-urlencoded"
        let body = form.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        let response = try await client.execute(uri: uri, method: .post, headers: fields, body: ByteBuffer(string: body))
        keep(response)
        return response
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }

    /// The first `name="NAME" value="…"` in a page.
    static func field(_ name: String, in page: String) -> String? {
        guard let range = page.range(of: "name=\"\(name)\" value=\"") else { return nil }
        let rest = page[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    /// Signs in with a key; returns the response to the sign-in POST.
    @discardableResult
    mutating func signIn(_ key: String) async throws -> TestResponse {
        let page = try await get("/")
        let token = Self.field("_csrf", in: String(buffer: page.body)) ?? ""
        return try await post("/sign-in", [("_csrf", token), ("key", key)])
    }

    /// The CSRF token of a signed-in page.
    mutating func csrf(_ uri: String = "/audit") async throws -> String {
        Self.field("_csrf", in: String(buffer: try await get(uri).body)) ?? ""
    }
}

extension TestServer {
    static let viewerKey = "rk_viewer_testtesttesttesttesttesttesttest"

    /// An application over `store` with the console configured as given, and a viewer key stored.
    static func consoleApplication(store: SQLiteEventStore, console: ConsoleConfiguration = ConsoleConfiguration()) async throws -> some ApplicationProtocol {
        if try await store.apiKeys().isEmpty {
            try await store.insertKey(APIKey.fromPlaintext(viewerKey, scope: .viewer, name: "pat the viewer"))
        }
        let configuration = ServerConfiguration(
            exposures: .init(batchSize: 1_000, flushInterval: .seconds(60)),
            bootstrapKeys: [(.sdk, sdkKey), (.admin, adminKey)],
            console: console
        )
        return try await buildApplication(configuration: configuration, dependencies: ServerDependencies(store: store, exposureSink: RecordingSink()))
    }
}
