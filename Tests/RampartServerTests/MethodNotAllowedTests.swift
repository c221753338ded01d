import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import RampartCore
@testable import RampartServer

/// A route asked with a method it does not answer gets 405 with `Allow`; an unknown path a JSON 404 (found by QA in
/// session 29: both were a 404 with no body).
@Suite("Wrong method")
struct MethodNotAllowedTests {
    @Test func aKnownPathWithAnotherMethodIs405WithAllow() async throws {
        let app = try await TestServer.application()
        try await app.test(.router) { client in
            for (uri, method, allow) in [
                ("/v1/experiments/support-answer-prompt", HTTPRequest.Method.post, "GET, PUT"),
                ("/v1/events", .get, "POST"),
                ("/v1/experiments", .delete, "GET, POST"),
                ("/batch/", .get, "POST"),
                ("/i/v0/e/", .put, "POST"),
                ("/v1/webhooks/wh_1", .get, "DELETE"),
            ] {
                let response = try await client.execute(uri: uri, method: method, headers: TestServer.admin())
                #expect(response.status == .methodNotAllowed, "\(method) \(uri)")
                #expect(response.headers[.allow] == allow, "\(method) \(uri)")
                #expect(response.json?["error"]?["code"] == "method_not_allowed")
            }
            let unknown = try await client.execute(uri: "/v1/nothing-here", method: .get, headers: TestServer.admin())
            #expect(unknown.status == .notFound)
            #expect(unknown.json?["error"]?["message"]?.stringValue?.contains("no route GET /v1/nothing-here") == true)
            // Routes still answer their own methods.
            #expect(try await client.execute(uri: "/v1/experiments/support-answer-prompt", method: .get, headers: TestServer.admin()).status == .ok)
        }
    }

    @Test func everyOperationOfTheDocumentIsARoute() {
        let routes = RouteMethods(openAPI: OpenAPIDocument.text)
        #expect(routes.methods(for: "/v1/experiments/x/ramp") == [.post])
        #expect(routes.methods(for: "/v1/experiments/x/metrics/m/examples") == [.get])
        #expect(routes.methods(for: "/v1/experiments/x/results.html") == [.get])
        #expect(routes.methods(for: "/nope") == nil)
    }
}
