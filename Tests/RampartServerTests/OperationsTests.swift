import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import RampartServer

@Suite("Operations endpoints")
struct OperationsTests {
    @Test func healthReadinessMetricsAndOpenAPI() async throws {
        let app = try await TestServer.application()
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.json?["status"] == "ok")
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.json?["experiments"] == 2)
            }
            let body = #"{"context":{"targetingKey":"user-58","environment":"production","plan":"free"}}"#
            try await client.execute(uri: "/ofrep/v1/evaluate/flags/support-answer-prompt", method: .post, headers: TestServer.sdk(), body: TestServer.json(body)) { _ in }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                #expect(text.contains("rampart_evaluations_total{experiment=\"support-answer-prompt\",variant=\"treatment\",reason=\"TARGETING_MATCH\"}"))
                #expect(text.contains("http_requests_total") || text.contains("http_server_request_duration"))
            }
            try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).hasPrefix("openapi: 3.1"))
            }
        }
    }
}
