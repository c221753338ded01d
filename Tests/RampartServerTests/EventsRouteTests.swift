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

@Suite("Events route")
struct EventsRouteTests {
    static let good1 = #"{"uuid":"6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e5f","event":"llm_request_completed","unit":"user-1","timestamp":"2026-06-01T10:00:00Z","properties":{"latency_ms":812,"model":"gpt-4.1-mini","prompt":"secret customer text"}}"#
    static let good2 = #"{"uuid":"7f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e5f","event":"support_ticket_resolved","unit":"user-1","timestamp":"2026-06-01T10:05:00Z"}"#
    static let badType = #"{"uuid":"8f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e5f","event":"llm_request_completed","unit":"user-2","timestamp":"2026-06-01T10:00:00Z","properties":{"latency_ms":"fast"}}"#
    static let noUnit = #"{"uuid":"9f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e5f","event":"llm_request_completed","timestamp":"2026-06-01T10:00:00Z"}"#

    @Test func jsonArrayIsStoredAndBadEventsReported() async throws {
        let store = try await TestServer.store()
        let app = try await TestServer.application(store: store)
        let body = "[\(Self.good1),\(Self.badType),\(Self.good2),\(Self.noUnit)]"
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/events", method: .post, headers: TestServer.sdk(), body: ByteBuffer(string: body)) { response in
                #expect(response.status == .ok)
                let json = try #require(response.json)
                #expect(json["stored"] == 2)
                #expect(json["duplicates"] == 0)
                let rejected = json["rejected"]?.arrayValue ?? []
                #expect(rejected.map { $0["index"] } == [1, 3])
                #expect(rejected[0]["field"] == "properties.latency_ms")
                #expect(rejected[1]["field"] == "unit")
                #expect(rejected[0]["uuid"] == "8f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e5f")
            }
            // Replaying the batch stores nothing twice.
            try await client.execute(uri: "/v1/events", method: .post, headers: TestServer.sdk(), body: ByteBuffer(string: body)) { response in
                #expect(response.json?["stored"] == 0)
                #expect(response.json?["duplicates"] == 2)
            }
        }
        #expect(try await store.eventCount() == 2)
        try await store.mergeStagedEvents()
        let props = try await store.rows("SELECT props FROM events").map { $0.description }.joined()
        #expect(!props.contains("secret customer text"))
    }

    /// A body that starts with a UTF-8 byte-order mark is read as without it, array or NDJSON.
    @Test func aLeadingByteOrderMarkIsIgnored() async throws {
        let store = try await TestServer.store()
        let app = try await TestServer.application(store: store)
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/events", method: .post, headers: TestServer.sdk(), body: ByteBuffer(bytes: bom + Array("[\(Self.good1)]".utf8))) { response in
                #expect(response.status == .ok)
                #expect(response.json?["stored"] == 1, "\(String(buffer: response.body))")
            }
            try await client.execute(uri: "/v1/events", method: .post, headers: TestServer.sdk([.contentType: "application/x-ndjson"]), body: ByteBuffer(bytes: bom + Array((Self.good2 + "\n").utf8))) { response in
                #expect(response.json?["stored"] == 1, "\(String(buffer: response.body))")
            }
        }
        #expect(try await store.eventCount() == 2)
    }

    @Test func ndjsonIsAccepted() async throws {
        let store = try await TestServer.store()
        let app = try await TestServer.application(store: store)
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/events", method: .post, headers: TestServer.sdk([.contentType: "application/x-ndjson"]), body: ByteBuffer(string: Self.good1 + "\n" + Self.good2 + "\n")) { response in
                #expect(response.status == .ok)
                #expect(response.json?["stored"] == 2)
            }
        }
    }

    /// Content-Encoding is honoured as on the PostHog and OTLP routes: a gzip body was read as JSON and every
    /// event rejected with 200, and an unknown encoding was ignored (found by QA in session 29).
    @Test func aGzipBodyIsDecodedAndAnotherEncodingRefused() async throws {
        let store = try await TestServer.store()
        let app = try await TestServer.application(store: store)
        var plain = ByteBuffer(string: Self.good1 + "\n" + Self.good2 + "\n")
        let zipped = try plain.compress(with: .gzip())
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/events", method: .post, headers: TestServer.sdk([.contentEncoding: "gzip"]), body: zipped) { response in
                #expect(response.status == .ok)
                #expect(response.json?["stored"] == 2)
            }
            try await client.execute(uri: "/v1/events", method: .post, headers: TestServer.sdk([.contentEncoding: "br"]), body: ByteBuffer(string: "[]")) { response in
                #expect(response.status == .unsupportedMediaType)
            }
            try await client.execute(uri: "/v1/events", method: .post, headers: TestServer.sdk([.contentEncoding: "gzip"]), body: ByteBuffer(string: "[]")) { response in
                #expect(response.status == .badRequest)
            }
        }
        #expect(try await store.eventCount() == 2)
    }

    @Test func malformedAndOversizedBodies() async throws {
        let app = try await TestServer.application(maxEventsBodyBytes: 2_048)
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/events", method: .post, headers: TestServer.sdk(), body: ByteBuffer(string: "[{\"uuid\": ")) { response in
                #expect(response.status == .badRequest)
                #expect(response.json?["error"]?["code"] == "invalid_json")
            }
            try await client.execute(uri: "/v1/events", method: .post, headers: TestServer.sdk(), body: ByteBuffer(string: "not json\n")) { response in
                #expect(response.status == .ok)
                #expect(response.json?["rejected"]?.arrayValue?.count == 1)
            }
            let big = "[" + Array(repeating: Self.good1, count: 20).joined(separator: ",") + "]"
            try await client.execute(uri: "/v1/events", method: .post, headers: TestServer.sdk(), body: ByteBuffer(string: big)) { response in
                #expect(response.status == .contentTooLarge)
            }
            try await client.execute(uri: "/v1/events", method: .post, headers: TestServer.admin(), body: ByteBuffer(string: "[]")) { response in
                #expect(response.status == .forbidden)
            }
        }
    }

    @Test func overloadGets429WithRetryAfter() async throws {
        let app = try await TestServer.application(maxConcurrentIngests: 0)
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/events", method: .post, headers: TestServer.sdk(), body: ByteBuffer(string: "[]")) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter] == "1")
            }
        }
    }

    @Test func exposuresReachTheStore() async throws {
        let store = try await TestServer.store()
        let app = try await TestServer.application(store: store, sink: nil)
        try await app.test(.router) { client in
            for i in 0..<20 {
                let body = #"{"context":{"targetingKey":"user-\#(i)","environment":"production","plan":"pro"}}"#
                try await client.execute(uri: "/ofrep/v1/evaluate/flags/support-answer-prompt", method: .post, headers: TestServer.sdk(), body: ByteBuffer(string: body)) { _ in }
            }
        }
        let attribution = try await store.attribution(ExperimentScope(key: "support-answer-prompt"))
        #expect(attribution.enrolledUnits == 20)
    }
}
