import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import OTLPProto
import RampartBodyDecoding
import RampartCore
import RampartStore
import SwiftProtobuf
import Testing
@testable import RampartOTLP
@testable import RampartServer

/// Form-encoded PostHog bodies, and truncated gzip bodies on the PostHog and OTLP routes.
@Suite("Capture body encodings")
struct CaptureBodyEncodingTests {
    static func batch(_ units: [String]) -> String {
        let events = units.map { unit -> JSONValue in
            ["event": "clicked", "distinct_id": .string(unit), "properties": ["note": "a+b/c?>>>"]]
        }
        return JSONValue.object(["api_key": .string(TestServer.sdkKey), "batch": .array(events)]).jsonText
    }

    static func form(_ fields: [(String, String)]) -> ByteBuffer {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return ByteBuffer(string: fields.map { "\($0)=\($1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&"))
    }

    @Test func formEncodedBodiesAreAccepted() async throws {
        let store = try await TestServer.store()
        let app = try await TestServer.application(store: store)
        let formType: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        try await app.test(.router) { client in
            // posthog-js with compression=base64: data=<base64>, percent-encoded.
            let first = Data(Self.batch(["f-1", "f-2"]).utf8).base64EncodedString()
            try await client.execute(uri: "/e/?compression=base64", method: .post, headers: formType, body: Self.form([("data", first)])) { response in
                #expect(response.status == .ok)
                #expect(response.json?["stored"] == 2)
            }
            // Unescaped base64 whose '+' a form decoder reads as a space, URL-safe and unpadded, without a content type.
            var plus = Data(Self.batch(["f-3"]).utf8).base64EncodedString()
            #expect(plus.contains("+"))
            plus = plus.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            try await client.execute(uri: "/batch/", method: .post, headers: [:], body: ByteBuffer(string: "data=" + plus)) { response in
                #expect(response.status == .ok)
                #expect(response.json?["stored"] == 1)
            }
            // Base64 of gzip, with a compression field; and JSON text as the data.
            var json = ByteBuffer(string: Self.batch(["f-4"]))
            let zipped = Data(try json.compress(with: .gzip()).readableBytesView).base64EncodedString()
            try await client.execute(uri: "/batch/", method: .post, headers: formType, body: Self.form([("data", zipped), ("compression", "gzip-js")])) { response in
                #expect(response.json?["stored"] == 1)
            }
            try await client.execute(uri: "/batch/", method: .post, headers: formType, body: Self.form([("data", Self.batch(["f-5"]))])) { response in
                #expect(response.json?["stored"] == 1)
            }
            // Errors name the field and the reason.
            try await client.execute(uri: "/batch/", method: .post, headers: formType, body: ByteBuffer(string: "ver=1.2")) { response in
                #expect(response.status == .badRequest)
                #expect(response.json?["detail"]?.stringValue?.hasPrefix("data:") == true)
            }
            try await client.execute(uri: "/batch/", method: .post, headers: formType, body: ByteBuffer(string: "data=%%%")) { response in
                #expect(response.status == .badRequest)
                #expect(response.json?["code"] == "invalid_payload")
            }
            try await client.execute(uri: "/batch/", method: .post, headers: formType, body: ByteBuffer(string: "data=****")) { response in
                #expect(response.status == .badRequest)
                #expect(response.json?["detail"]?.stringValue?.contains("base64") == true)
            }
        }
        try await store.mergeStagedEvents()
        let props = try await store.rows("SELECT props FROM events").map { $0.description }
        #expect(props.count == 5 && props.allSatisfy { $0.contains("a+b/c?>>>") })
    }

    /// Cut bodies: the trailer alone, and deep into the deflate data.
    static func truncations(of body: ByteBuffer) -> [ByteBuffer] {
        [body.getSlice(at: body.readerIndex, length: body.readableBytes - 4)!, body.getSlice(at: body.readerIndex, length: body.readableBytes / 2)!]
    }

    @Test func aTruncatedGzipBodyIsABadRequestNamingTheReason() async throws {
        var json = ByteBuffer(string: Self.batch((0..<30).map { "t-\($0)" }))
        let zipped = try json.compress(with: .gzip())
        for cut in Self.truncations(of: zipped) {
            #expect(throws: GzipDecoding.Failure.self) { try GzipDecoding.decompress(cut, limit: 1 << 20) }
        }
        var proto = ByteBuffer(bytes: try OTLPFixtures.request((1...20).map { OTLPFixtures.genAISpan(spanByte: UInt8($0)) }).serializedBytes() as [UInt8])
        let zippedProto = try proto.compress(with: .gzip())
        let store = try await TestServer.store()
        let app = try await TestServer.application(store: store)
        try await app.test(.router) { client in
            for cut in Self.truncations(of: zipped) {
                try await client.execute(uri: "/batch/", method: .post, headers: [.contentEncoding: "gzip"], body: cut) { response in
                    #expect(response.status == .badRequest)
                    #expect(response.json?["code"] == "invalid_gzip")
                    #expect(response.json?["detail"]?.stringValue?.contains("truncated") == true)
                }
            }
            for cut in Self.truncations(of: zippedProto) {
                let headers: HTTPFields = [.contentType: "application/x-protobuf", .contentEncoding: "gzip", .authorization: "Bearer \(TestServer.sdkKey)"]
                try await client.execute(uri: "/v1/traces", method: .post, headers: headers, body: cut) { response in
                    #expect(response.status == .badRequest)
                    let status = try Google_Rpc_Status(serializedBytes: Array(response.body.readableBytesView))
                    #expect(status.message.hasPrefix("invalid_gzip"))
                    #expect(status.message.contains("truncated"))
                }
            }
            // The whole bodies are accepted.
            try await client.execute(uri: "/batch/", method: .post, headers: [.contentEncoding: "gzip"], body: zipped) { response in
                #expect(response.json?["stored"] == 30)
            }
        }
        #expect(try await store.eventCount() == 30)
    }
}
