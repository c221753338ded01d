import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import RampartCore
import RampartStore
@testable import RampartServer

/// `/v1/webhooks`: admin keys add, rotate and remove (the secret returned once); viewers read with URLs redacted and
/// change nothing; errors name the field or the id.
@Suite("Webhooks API")
struct WebhooksRouteTests {
    static let viewer: HTTPFields = [.authorization: "Bearer \(TestServer.viewerKey)", .contentType: "application/json"]

    @Test func anAdminAddsRotatesListsAndRemovesAnEndpoint() async throws {
        let store = try await TestServer.store(experiments: try TestServer.experiments(coverage: nil))
        let app = try await TestServer.consoleApplication(store: store)
        try await app.test(.router) { client in
            let added = try await client.execute(uri: "/v1/webhooks", method: .post, headers: TestServer.admin([.contentType: "application/json"]),
                                                 body: TestServer.json(#"{"url": "https://hooks.example.com/rampart?token=abc", "experiment": "support-answer-prompt", "events": ["verdict_changed", "rollout_changed"]}"#))
            #expect(added.status == .created)
            let id = try #require(added.json?["id"]?.stringValue)
            let secret = try #require(added.json?["secret"]?.stringValue)
            #expect(secret.hasPrefix("whsec_") && added.json?["events"] == ["verdict_changed", "rollout_changed"])
            #expect(try await store.webhooks().map(\.secret) == [secret])

            let rotated = try await client.execute(uri: "/v1/webhooks/\(id)/rotate", method: .post, headers: TestServer.admin(), body: TestServer.json(#"{"overlap": "2h"}"#))
            #expect(rotated.status == .ok)
            let newSecret = try #require(rotated.json?["secret"]?.stringValue)
            #expect(newSecret != secret && rotated.json?["previous_secret_until"]?.stringValue != nil)
            let stored = try #require(try await store.webhooks().first)
            #expect(stored.secret == newSecret && stored.previousSecret == secret)

            let listed = try await client.execute(uri: "/v1/webhooks", method: .get, headers: TestServer.admin())
            let text = String(buffer: listed.body)
            #expect(listed.status == .ok && !text.contains(secret) && !text.contains(newSecret), "secrets are never listed")
            #expect(listed.json?["webhooks"]?.arrayValue?.first?["url"]?.stringValue == "https://hooks.example.com/rampart?token=abc")
            let seen = try await client.execute(uri: "/v1/webhooks", method: .get, headers: Self.viewer)
            #expect(seen.status == .ok && seen.json?["webhooks"]?.arrayValue?.first?["url"]?.stringValue == "https://hooks.example.com/…", "a viewer sees the URL redacted")

            #expect(try await client.execute(uri: "/v1/webhooks/\(id)", method: .delete, headers: TestServer.admin()).status == .noContent)
            #expect(try await store.webhooks().isEmpty)
            let again = try await client.execute(uri: "/v1/webhooks/\(id)", method: .delete, headers: TestServer.admin())
            #expect(again.status == .notFound && again.json?["error"]?["message"]?.stringValue == "no webhook '\(id)'")
        }
    }

    @Test func badInputAndUnknownIdsAreClearErrors() async throws {
        let store = try await TestServer.store(experiments: try TestServer.experiments(coverage: nil))
        let app = try await TestServer.consoleApplication(store: store)
        try await app.test(.router) { client in
            let headers = TestServer.admin([.contentType: "application/json"])
            let url = try await client.execute(uri: "/v1/webhooks", method: .post, headers: headers, body: TestServer.json(#"{"url": "ftp://x"}"#))
            #expect(url.status == .unprocessableContent && url.json?["error"]?["message"]?.stringValue?.hasPrefix("url: ") == true)
            let events = try await client.execute(uri: "/v1/webhooks", method: .post, headers: headers, body: TestServer.json(#"{"url": "http://x/", "events": "nope"}"#))
            #expect(events.status == .unprocessableContent && events.json?["error"]?["message"]?.stringValue?.hasPrefix("events: unknown event 'nope'") == true)
            let missing = try await client.execute(uri: "/v1/webhooks", method: .post, headers: headers, body: TestServer.json("{}"))
            #expect(missing.status == .unprocessableContent && missing.json?["error"]?["message"]?.stringValue == "url: required")
            let unknown = try await client.execute(uri: "/v1/webhooks/wh_000000000000/rotate", method: .post, headers: headers)
            #expect(unknown.status == .notFound && unknown.json?["error"]?["message"]?.stringValue == "no webhook 'wh_000000000000'")
            try await store.addWebhook(WebhookEndpoint(id: "wh_a", url: "http://x/", experiment: nil, events: [.verdictChanged], secret: "whsec_a", createdAt: Date()))
            let overlap = try await client.execute(uri: "/v1/webhooks/wh_a/rotate", method: .post, headers: headers, body: TestServer.json(#"{"overlap": "soon"}"#))
            #expect(overlap.status == .unprocessableContent && overlap.json?["error"]?["message"]?.stringValue?.hasPrefix("overlap: ") == true)
            #expect(try await store.webhooks().first?.secret == "whsec_a", "nothing rotated")
            let limit = try await client.execute(uri: "/v1/webhooks/deliveries?limit=0", method: .get, headers: headers)
            #expect(limit.status == .badRequest)
        }
    }

    @Test func aViewerReadsDeliveriesButChangesNothing() async throws {
        let store = try await TestServer.store(experiments: try TestServer.experiments(coverage: nil))
        try await store.addWebhook(WebhookEndpoint(id: "wh_a", url: "https://hooks.slack.com/services/T0/B0/secret", experiment: nil, events: [.verdictChanged], secret: "whsec_a", createdAt: Date()))
        try await store.enqueue([WebhookEvent(kind: .verdictChanged, experiment: "support-answer-prompt", at: Date(), old: nil, new: "ROLLBACK", verdict: "ROLLBACK", reasons: [])])
        let app = try await TestServer.consoleApplication(store: store)
        try await app.test(.router) { client in
            let rows = try await client.execute(uri: "/v1/webhooks/deliveries", method: .get, headers: Self.viewer)
            #expect(rows.status == .ok && rows.json?["deliveries"]?.arrayValue?.first?["status"]?.stringValue == "pending")
            #expect(!String(buffer: rows.body).contains("/services/"), "the Slack URL's credential is not shown to a viewer")
            for (uri, method) in [("/v1/webhooks", HTTPRequest.Method.post), ("/v1/webhooks/wh_a", .delete), ("/v1/webhooks/wh_a/rotate", .post)] {
                let refused = try await client.execute(uri: uri, method: method, headers: Self.viewer, body: TestServer.json(#"{"url": "http://x/"}"#))
                #expect(refused.status == .forbidden, "\(method) \(uri)")
            }
            #expect(try await store.webhooks().map(\.secret) == ["whsec_a"])
            #expect(try await client.execute(uri: "/v1/webhooks", method: .get, headers: TestServer.sdk()).status == .forbidden, "SDK keys read no webhooks")
        }
    }
}
