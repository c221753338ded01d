import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import OTLPProto
import RampartCore
import RampartStore
import SwiftProtobuf
import Testing
@testable import RampartOTLP
@testable import RampartServer

@Suite("OTLP traces route")
struct OTLPTracesRouteTests {
    typealias Response = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceResponse

    static func headers(_ contentType: String, key: String? = TestServer.sdkKey, _ extra: HTTPFields = [:]) -> HTTPFields {
        var fields = extra
        fields[.contentType] = contentType
        if let key { fields[.authorization] = "Bearer \(key)" }
        return fields
    }

    /// A good GenAI span, one whose token count is a string (rejected by the events' validation), and an HTTP span.
    static var mixedRequest: Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest {
        var http = Opentelemetry_Proto_Trace_V1_Span()
        http.traceID = OTLPFixtures.traceID
        http.spanID = Data([7, 7, 7, 7, 7, 7, 7, 7])
        http.attributes = [OTLPFixtures.attribute("http.request.method", "POST")]
        return OTLPFixtures.request([
            OTLPFixtures.genAISpan(spanByte: 1),
            OTLPFixtures.genAISpan(spanByte: 2, attributes: ["gen_ai.usage.input_tokens": "many"]),
            http,
        ])
    }

    /// An OTLP/JSON body that does not decode names the part that fails, not only swift-protobuf's error (found by QA
    /// in session 29): here the second span's first attribute.
    @Test func aJSONErrorNamesThePartThatFails() async throws {
        let app = try await TestServer.application()
        let good = #"{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"ok","startTimeUnixNano":"1","endTimeUnixNano":"2"}"#
        let bad = #"{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b175","name":"bad","attributes":[{"key":"gen_ai.usage.input_tokens","value":{"intValue":"many"}}]}"#
        let body = #"{"resourceSpans":[{"scopeSpans":[{"spans":["# + good + "," + bad + "]}]}]}"
        try await app.test(.router) { client in
            for (text, expected) in [
                (body, "resourceSpans[0].scopeSpans[0].spans[1].attributes[0] (key 'gen_ai.usage.input_tokens'): "),
                (#"{"resourceSpans": [}"#, "not valid JSON at byte"),
                (#"{"resourceSpans": 5}"#, "resourceSpans: expected an array, found a number"),
            ] {
                let response = try await client.execute(uri: "/v1/traces", method: .post, headers: Self.headers("application/json"), body: ByteBuffer(string: text))
                #expect(response.status == .badRequest)
                let status = try Google_Rpc_Status(jsonString: String(buffer: response.body))
                #expect(status.message.contains(expected), "\(status.message)")
            }
        }
    }

    @Test func protobufExportStoresGenAISpansAndReportsRejectedOnes() async throws {
        let store = try await TestServer.store()
        let app = try await TestServer.application(store: store)
        let body = ByteBuffer(bytes: try Self.mixedRequest.serializedBytes() as [UInt8])
        try await app.test(.router) { client in
            for _ in 0..<2 {  // the second export is a replay: nothing is stored twice
                try await client.execute(uri: "/v1/traces", method: .post, headers: Self.headers("application/x-protobuf"), body: body) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "application/x-protobuf")
                    let decoded = try Response(serializedBytes: Array(response.body.readableBytesView))
                    #expect(decoded.partialSuccess.rejectedSpans == 1)
                    #expect(decoded.partialSuccess.errorMessage.contains("span 1: properties.input_tokens (from gen_ai.usage.input_tokens)"))
                    #expect(decoded.partialSuccess.errorMessage.hasPrefix("1 of 3 spans rejected"))
                }
            }
        }
        #expect(try await store.eventCount() == 1)
    }

    @Test func gzippedJSONExportIsAnsweredInJSON() async throws {
        let store = try await TestServer.store()
        let app = try await TestServer.application(store: store)
        let json = try OTLPTraceMapping.otlpJSON(OTLPFixtures.request([OTLPFixtures.genAISpan(spanByte: 1), OTLPFixtures.genAISpan(spanByte: 2)]))
        #expect(String(decoding: json, as: UTF8.self).contains(#""traceId":"\#(OTLPFixtures.traceHex)""#))
        var plain = ByteBuffer(bytes: json)
        let compressed = try plain.compress(with: .gzip())
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/traces", method: .post, headers: Self.headers("application/json", [.contentEncoding: "gzip"]), body: compressed) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                #expect(String(buffer: response.body) == "{}")  // full success: partial_success unset
            }
        }
        #expect(try await store.eventCount() == 2)
    }

    @Test func errorsAreStatusMessagesInTheRequestsEncoding() async throws {
        let app = try await TestServer.application(maxEventsBodyBytes: 2_048)
        let body = ByteBuffer(bytes: try Self.mixedRequest.serializedBytes() as [UInt8])
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/traces", method: .post, headers: Self.headers("application/x-protobuf", key: nil), body: body) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.contentType] == "application/x-protobuf")
                let status = try Google_Rpc_Status(serializedBytes: Array(response.body.readableBytesView))
                #expect(status.code == 16)
                #expect(status.message.hasPrefix("missing_api_key"))
            }
            try await client.execute(uri: "/v1/traces", method: .post, headers: Self.headers("application/json", key: "rk_sdk_wrongwrongwrongwrong"), body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .unauthorized)
                let status = try Google_Rpc_Status(jsonString: String(buffer: response.body))
                #expect(status.message.hasPrefix("invalid_api_key"))
            }
            try await client.execute(uri: "/v1/traces", method: .post, headers: Self.headers("application/x-protobuf"), body: ByteBuffer(bytes: [0x0A, 0xFF, 0x01])) { response in
                #expect(response.status == .badRequest)
                let status = try Google_Rpc_Status(serializedBytes: Array(response.body.readableBytesView))
                #expect(status.code == 3)
                #expect(status.message.hasPrefix("invalid_otlp"))
            }
            try await client.execute(uri: "/v1/traces", method: .post, headers: Self.headers("application/json"), body: ByteBuffer(string: #"{"resourceSpans": [}"#)) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.contentType] == "application/json")
                let status = try Google_Rpc_Status(jsonString: String(buffer: response.body))
                #expect(status.code == 3)
            }
            try await client.execute(uri: "/v1/traces", method: .post, headers: Self.headers("text/plain"), body: ByteBuffer(string: "hello")) { response in
                #expect(response.status == .unsupportedMediaType)
            }
            try await client.execute(uri: "/v1/traces", method: .post, headers: Self.headers("application/x-protobuf"), body: ByteBuffer(repeating: 0, count: 4_096)) { response in
                #expect(response.status == .contentTooLarge)
            }
            try await client.execute(uri: "/v1/traces", method: .post, headers: Self.headers("application/x-protobuf", [.contentEncoding: "gzip"]), body: ByteBuffer(string: "not gzip")) { response in
                #expect(response.status == .badRequest)
                let status = try Google_Rpc_Status(serializedBytes: Array(response.body.readableBytesView))
                #expect(status.message.hasPrefix("invalid_gzip"))
            }
        }
    }

    /// A store failure is 503 with Retry-After (retryable for an OTLP exporter), as a Status; a full gate is 429.
    @Test func aStoreOutageAndAFullGateAreRetryable() async throws {
        let store = OutageStore(try await TestServer.store())
        let configuration = ServerConfiguration(bootstrapKeys: [(.sdk, TestServer.sdkKey)])
        let app = try await buildApplication(configuration: configuration, dependencies: ServerDependencies(store: store))
        let body = ByteBuffer(bytes: try OTLPFixtures.request([OTLPFixtures.genAISpan()]).serializedBytes() as [UInt8])
        try await app.test(.router) { client in
            store.failure.withLock { $0 = RampartError(.busy, "the database stayed locked") }
            store.down.withLock { $0 = true }
            try await client.execute(uri: "/v1/traces", method: .post, headers: Self.headers("application/x-protobuf"), body: body) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "1")
                let status = try Google_Rpc_Status(serializedBytes: Array(response.body.readableBytesView))
                #expect(status.code == 14)
                #expect(status.message.hasPrefix("store_busy"))
            }
            store.down.withLock { $0 = false }
            try await client.execute(uri: "/v1/traces", method: .post, headers: Self.headers("application/x-protobuf"), body: body) { response in
                #expect(response.status == .ok)
            }
        }
        #expect(try await store.base.eventCount() == 1)

        let full = try await TestServer.application(maxConcurrentIngests: 0)
        try await full.test(.router) { client in
            try await client.execute(uri: "/v1/traces", method: .post, headers: Self.headers("application/x-protobuf"), body: body) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter] == "1")
                let status = try Google_Rpc_Status(serializedBytes: Array(response.body.readableBytesView))
                #expect(status.code == 8)
            }
        }
    }
}
