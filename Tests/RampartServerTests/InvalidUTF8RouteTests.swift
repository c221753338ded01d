import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import RampartCore
import RampartStore
@testable import RampartServer

/// Invalid UTF-8 in an event's strings is refused on every JSON route, never repaired: with U+FFFD in place of the
/// bad bytes, `"a\xff\xfe"` and `"a\xfe\xff"` were stored as one unit (found by QA in session 29).
@Suite("Invalid UTF-8 in events")
struct InvalidUTF8RouteTests {
    static func event(uuid: String, unit: [UInt8]) -> [UInt8] {
        Array(#"{"uuid":""#.utf8) + Array(uuid.utf8) + Array(#"","event":"support_ticket_resolved","unit":""#.utf8) + unit
            + Array(#"","timestamp":"2026-06-01T10:05:00Z"}"#.utf8)
    }

    static let first = event(uuid: "6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e01", unit: Array("a".utf8) + [0xFF, 0xFE])
    static let second = event(uuid: "6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e02", unit: Array("a".utf8) + [0xFE, 0xFF])
    static let valid = event(uuid: "6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e03", unit: Array("é-user".utf8))

    @Test func ndjsonLinesWithInvalidUTF8AreRejectedAndTheRestStored() async throws {
        let store = try await TestServer.store()
        let app = try await TestServer.application(store: store)
        let body = Self.first + [0x0A] + Self.valid + [0x0A] + Self.second + [0x0A]
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/events", method: .post, headers: TestServer.sdk([.contentType: "application/x-ndjson"]), body: ByteBuffer(bytes: body)) { response in
                #expect(response.status == .ok)
                let json = try #require(response.json)
                #expect(json["stored"] == 1)
                let rejected = json["rejected"]?.arrayValue ?? []
                #expect(rejected.map { $0["index"] } == [0, 2])
                #expect(rejected.allSatisfy { $0["reason"]?.stringValue?.contains("invalid UTF-8 in a string") == true })
            }
        }
        #expect(try await store.eventCount() == 1)
    }

    @Test func aJSONArrayWithInvalidUTF8IsRefusedWhole() async throws {
        let store = try await TestServer.store()
        let app = try await TestServer.application(store: store)
        let body = Array("[".utf8) + Self.valid + Array(",".utf8) + Self.first + Array("]".utf8)
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/events", method: .post, headers: TestServer.sdk(), body: ByteBuffer(bytes: body)) { response in
                #expect(response.status == .badRequest)
                #expect(response.json?["error"]?["message"]?.stringValue?.contains("invalid UTF-8 in a string") == true, "\(String(buffer: response.body))")
            }
        }
        #expect(try await store.eventCount() == 0)
    }

    @Test func aPostHogBatchWithInvalidUTF8IsRefused() async throws {
        let store = try await TestServer.store()
        let app = try await TestServer.application(store: store)
        func capture(_ distinctID: [UInt8], uuid: String) -> [UInt8] {
            Array(#"{"event":"support_ticket_resolved","uuid":""#.utf8) + Array(uuid.utf8) + Array(#"","distinct_id":""#.utf8) + distinctID + Array(#""}"#.utf8)
        }
        let ok = capture(Array("é-user".utf8), uuid: "6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e11")
        let bad = capture(Array("a".utf8) + [0xFF, 0xFE], uuid: "6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e12")
        let prefix = Array(#"{"api_key":""#.utf8) + Array(TestServer.sdkKey.utf8) + Array(#"","batch":["#.utf8)
        try await app.test(.router) { client in
            try await client.execute(uri: "/batch/", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: prefix + ok + Array(",".utf8) + bad + Array("]}".utf8))) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("invalid UTF-8 in a string"), "\(String(buffer: response.body))")
            }
            // Valid non-ASCII text still goes through (the scanner hands such strings to the full reader).
            try await client.execute(uri: "/batch/", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: prefix + ok + Array("]}".utf8))) { response in
                #expect(response.status == .ok)
                #expect(response.json?["stored"] == 1)
            }
        }
        try await store.mergeStagedEvents()
        let units = try await store.rows("SELECT u.key FROM events AS e JOIN units AS u ON u.id = e.unit_id").map { $0[0].stringValue ?? "" }
        #expect(units == ["é-user"])
    }

    @Test func anOFREPTargetingKeyWithInvalidUTF8IsAParseError() async throws {
        let sink = RecordingSink()
        let app = try await TestServer.application(sink: sink, flushInterval: .milliseconds(10))
        let body = Array(#"{"context":{"targetingKey":"a"#.utf8) + [0xFF, 0xFE] + Array(#"","environment":"production","plan":"pro"}}"#.utf8)
        try await app.test(.router) { client in
            for uri in ["/ofrep/v1/evaluate/flags/support-answer-prompt", "/ofrep/v1/evaluate/flags"] {
                try await client.execute(uri: uri, method: .post, headers: TestServer.sdk(), body: ByteBuffer(bytes: body)) { response in
                    #expect(response.status == .badRequest)
                    #expect(response.json?["errorCode"] == "PARSE_ERROR", "\(String(buffer: response.body))")
                    #expect(String(buffer: response.body).contains("invalid UTF-8 in a string"))
                }
            }
        }
        #expect(await sink.exposures.isEmpty)
    }
}
