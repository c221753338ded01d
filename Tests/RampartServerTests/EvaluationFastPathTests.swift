import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import RampartServer

@Suite("Single-flag evaluation without the router")
struct EvaluationFastPathTests {
    @Test(arguments: [
        ("/ofrep/v1/evaluate/flags/support-answer-prompt", "support-answer-prompt"),
        ("/ofrep/v1/evaluate/flags/a", "a"),
        ("/ofrep/v1/evaluate/flags/with%20space", "with%20space"),
    ])
    func flagKeyIsTheComponentAfterThePrefix(path: String, key: String) {
        #expect(EvaluationFastPath.flagKey(in: path) == Substring(key))
    }

    @Test(arguments: [
        "/ofrep/v1/evaluate/flags", "/ofrep/v1/evaluate/flags/", "/ofrep/v1/evaluate/flags/a/", "/ofrep/v1/evaluate/flags/a/b",
        "/ofrep/v1/evaluate/flags//a", "/OFREP/v1/evaluate/flags/a", "ofrep/v1/evaluate/flags/a", "/healthz", "/",
    ])
    func otherPathsAreLeftToTheRouter(path: String) {
        #expect(EvaluationFastPath.flagKey(in: path) == nil)
    }

    /// The metrics label is the one the router gives the registered route.
    @Test func endpointIsTheRoutersLabel() async throws {
        let router = Router(context: RampartRequestContext.self)
        router.group("ofrep/v1").post("evaluate/flags/{key}") { _, context in context.endpointPath ?? "" }
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/ofrep/v1/evaluate/flags/x", method: .post) { response in
                #expect(String(buffer: response.body) == EvaluationFastPath.endpoint)
            }
        }
    }

    /// A trailing slash takes the path through the router to the same route: every answer must be the same.
    @Test func answersAreTheRoutersAnswers() async throws {
        let production = #"{"context":{"targetingKey":"user-58","environment":"production","plan":"free"}}"#
        let cases: [(key: String, headers: HTTPFields, body: String)] = [
            ("support-answer-prompt", TestServer.sdk(), production),
            ("support-answer-prompt", TestServer.sdk(), #"{"context":{"targetingKey":"user-7","environment":"staging"}}"#),
            ("support-answer-prompt", TestServer.sdk(), "{}"),
            ("support-answer-prompt", TestServer.sdk(), "[1,2]"),
            ("nope", TestServer.sdk(), production),
            ("support-answer-prompt", [:], production),
            ("support-answer-prompt", [.authorization: "Bearer rk_sdk_wrong"], production),
            ("support-answer-prompt", TestServer.admin(), production),
        ]
        let app = try await TestServer.application()
        try await app.test(.router) { client in
            for test in cases {
                let prefix = "/ofrep/v1/evaluate/flags/\(test.key)"
                let fast = try await client.execute(uri: prefix, method: .post, headers: test.headers, body: TestServer.json(test.body)) { response in
                    (response.status, response.headers[.contentType], String(buffer: response.body))
                }
                let routed = try await client.execute(uri: prefix + "/", method: .post, headers: test.headers, body: TestServer.json(test.body)) { response in
                    (response.status, response.headers[.contentType], String(buffer: response.body))
                }
                #expect(fast == routed, "\(test.key) \(test.body)")
            }
            // Other methods on the path are the router's: no route matches them.
            let get = try await client.execute(uri: "/ofrep/v1/evaluate/flags/support-answer-prompt", method: .get, headers: TestServer.sdk()) { $0.status }
            let getRouted = try await client.execute(uri: "/ofrep/v1/evaluate/flags/support-answer-prompt/", method: .get, headers: TestServer.sdk()) { $0.status }
            #expect(get == getRouted)
            #expect(get != .ok)
        }
    }

    @Test func requestsAreCountedUnderTheRoute() async throws {
        let app = try await TestServer.application()
        try await app.test(.router) { client in
            try await client.execute(uri: "/ofrep/v1/evaluate/flags/support-answer-prompt", method: .post, headers: TestServer.sdk(), body: TestServer.json("{}")) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                let counted = text.split(separator: "\n").contains { line in
                    line.hasPrefix("hb_requests{") && line.contains(#""/ofrep/v1/evaluate/flags/{key}""#) && line.contains(#""400""#)
                }
                #expect(counted)
            }
        }
    }
}
