import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import RampartCore
import RampartStore
@testable import RampartServer

@Suite("PostHog capture routes")
struct PostHogRouteTests {
    static let key = TestServer.sdkKey

    static func body(_ batch: [JSONValue], key: String = key) -> ByteBuffer {
        ByteBuffer(string: JSONValue.object(["api_key": .string(key), "sent_at": "2026-06-01T10:00:05Z", "batch": .array(batch)]).jsonText)
    }

    static let generation: JSONValue = [
        "event": "$ai_generation", "distinct_id": "user-1", "uuid": "6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e51",
        "timestamp": "2026-06-01T10:00:00Z",
        "properties": ["$ai_model": "gpt-4.1-mini", "$ai_latency": 0.8, "$ai_input": [["content": "secret customer text"]], "$ai_output_choices": ["secret customer text"]],
    ]
    static let flag: JSONValue = [
        "event": "$feature_flag_called", "distinct_id": "user-1", "uuid": "6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e52",
        "properties": ["$feature_flag": "support-answer-prompt", "$feature_flag_response": "treatment"],
    ]
    static let product: JSONValue = ["event": "support_ticket_resolved", "distinct_id": "user-1", "properties": ["ticket": "t-1"]]

    @Test func aBatchIsStoredThroughTheNativePathAndABadEventIsReported() async throws {
        let store = try await TestServer.store()
        let app = try await TestServer.application(store: store)
        let bad: JSONValue = ["event": "$ai_generation", "distinct_id": "user-2", "properties": ["$ai_input_tokens": -3]]
        let batch = Self.body([Self.generation, bad, Self.flag, Self.product])
        try await app.test(.router) { client in
            try await client.execute(uri: "/batch/", method: .post, headers: [.contentType: "application/json"], body: batch) { response in
                #expect(response.status == .ok)
                let json = try #require(response.json)
                #expect(json["status"] == 1)
                #expect(json["stored"] == 3)
                #expect(json["rejected"]?.arrayValue?.map { $0["index"] } == [1])
                #expect(json["rejected"]?.arrayValue?.first?["field"] == "properties.$ai_input_tokens")
            }
            // The same batch again: nothing stored twice, the uuid-less product event included.
            try await client.execute(uri: "/batch", method: .post, headers: [:], body: batch) { response in
                #expect(response.json?["stored"] == 0)
                #expect(response.json?["duplicates"] == 3)
            }
        }
        #expect(try await store.eventCount() == 3)
        try await store.mergeStagedEvents()
        let names = try await store.rows("SELECT n.name FROM events e JOIN event_names n ON n.id = e.name_id ORDER BY n.name").map { $0[0].stringValue ?? "" }
        #expect(names == ["exposure", "llm_request_completed", "support_ticket_resolved"])
        let props = try await store.rows("SELECT props FROM events").map { $0.description }.joined()
        #expect(!props.contains("secret customer text"))
    }

    /// Through the route's own scanner too: `$ai_latency` of 1e306 s is rejected, not stored as a null latency.
    @Test func aLatencyTooLargeInMillisecondsIsRejected() async throws {
        let store = try await TestServer.store()
        let app = try await TestServer.application(store: store)
        let huge = JSONValue.object((Self.generation.objectValue ?? [:]).merging(["properties": ["$ai_model": "gpt-4.1-mini", "$ai_latency": 1e306]]) { $1 })
        try await app.test(.router) { client in
            try await client.execute(uri: "/batch/", method: .post, headers: [.contentType: "application/json"], body: Self.body([huge, Self.product])) { response in
                #expect(response.status == .ok)
                #expect(response.json?["stored"] == 1)
                #expect(response.json?["rejected"]?.arrayValue?.first?["field"] == "properties.$ai_latency")
            }
        }
    }

    @Test func everyCapturePathAndGzipAreAccepted() async throws {
        let app = try await TestServer.application()
        try await app.test(.router) { client in
            for (i, path) in ["/batch/", "/capture/", "/e/", "/i/v0/e/", "/i/v0/ai/batch/"].enumerated() {
                let event: JSONValue = ["api_key": .string(Self.key), "event": "clicked", "distinct_id": .string("u-\(i)")]
                try await client.execute(uri: path, method: .post, headers: [:], body: ByteBuffer(string: event.jsonText)) { response in
                    #expect(response.status == .ok, "\(path)")
                    #expect(response.json?["stored"] == 1, "\(path)")
                }
            }
            var plain = Self.body([["event": "zipped", "distinct_id": "gz"]])
            let zipped = try plain.compress(with: .gzip())
            try await client.execute(uri: "/batch/", method: .post, headers: [.contentEncoding: "gzip"], body: zipped) { response in
                #expect(response.json?["stored"] == 1)
            }
            try await client.execute(uri: "/e/?compression=gzip-js", method: .post, headers: [:], body: zipped) { response in
                #expect(response.json?["duplicates"] == 1)
            }
        }
    }

    @Test func errorsAreAnsweredAsPostHogExpects() async throws {
        let app = try await TestServer.application(maxEventsBodyBytes: 4_096)
        try await app.test(.router) { client in
            try await client.execute(uri: "/batch/", method: .post, headers: [:], body: Self.body([Self.product], key: "rk_sdk_unknownunknownunknown")) { response in
                #expect(response.status == .unauthorized)
                #expect(response.json?["type"] == "authentication_error")
                #expect(response.json?["detail"]?.stringValue?.contains("api_key") == true)
            }
            try await client.execute(uri: "/batch/", method: .post, headers: [:], body: ByteBuffer(string: #"{"batch": []}"#)) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/batch/", method: .post, headers: [:], body: Self.body([Self.product], key: TestServer.adminKey)) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/batch/", method: .post, headers: [:], body: ByteBuffer(string: #"{"api_key": "x", "batch": ["#)) { response in
                #expect(response.status == .badRequest)
                #expect(response.json?["code"] == "invalid_payload")
            }
            try await client.execute(uri: "/batch/", method: .post, headers: [:], body: ByteBuffer(string: "[1, 2]")) { response in
                // An array of non-events: each is rejected, but the key is missing first.
                #expect(response.status == .unauthorized)
            }
            let big = Self.body([["event": "x", "distinct_id": "u", "properties": ["pad": .string(String(repeating: "x", count: 5_000))]]])
            try await client.execute(uri: "/batch/", method: .post, headers: [:], body: big) { response in
                #expect(response.status == .contentTooLarge)
            }
            var bigCopy = big
            let bomb = try bigCopy.compress(with: .gzip())
            #expect(bomb.readableBytes < 4_096)
            try await client.execute(uri: "/batch/", method: .post, headers: [.contentEncoding: "gzip"], body: bomb) { response in
                #expect(response.status == .contentTooLarge)
                #expect(response.json?["code"] == "body_too_large")
            }
        }
    }

    @Test func theSameLimitsAndGateAsNativeEvents() async throws {
        let app = try await TestServer.application(maxConcurrentIngests: 0)
        try await app.test(.router) { client in
            try await client.execute(uri: "/batch/", method: .post, headers: [:], body: Self.body([Self.product])) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter] == "1")
            }
        }
    }
}
