import Foundation
import OTLPProto
import RampartCore
import RampartStore
import SwiftProtobuf
import Testing
@testable import RampartOTLP
@testable import RampartServer

/// Protobuf bytes written by hand, for what an encoder like swift-protobuf's never produces but a decoder must read.
enum WireBytes {
    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value, bytes: [UInt8] = []
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        return bytes + [UInt8(value)]
    }

    static func field(_ number: UInt64, _ payload: [UInt8]) -> [UInt8] { varint(number << 3 | 2) + varint(UInt64(payload.count)) + payload }
    static func string(_ number: UInt64, _ text: String) -> [UInt8] { field(number, Array(text.utf8)) }
    static func int(_ number: UInt64, _ value: UInt64) -> [UInt8] { varint(number << 3) + varint(value) }
    static func fixed64(_ number: UInt64, _ value: UInt64) -> [UInt8] { varint(number << 3 | 1) + (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
    static func keyValue(_ key: String, _ values: [[UInt8]]) -> [UInt8] { string(1, key) + values.flatMap { field(2, $0) } }

    /// A request with one resource and one span whose fields are `span`.
    static func request(resource: [UInt8] = [], span: [UInt8], resourceFirst: Bool = true) -> [UInt8] {
        let scopeSpans = field(2, field(2, span))
        let resourceField = field(1, resource)
        return field(1, resourceFirst ? resourceField + scopeSpans : scopeSpans + resourceField)
    }

    static let ids = field(1, Array(1...16)) + field(2, [0, 0, 0, 0, 0, 0, 0, 7])
}

@Suite("OTLP wire-format mapping")
struct OTLPWireMappingTests {
    let mapping = OTLPFixtures.mapping

    func event(_ bytes: [UInt8]) throws -> JSONValue {
        let output = try mapping.map(bytes, ids: .binary)
        try #require(output.count == 1, "rejections: \(output.rejections)")
        return output.events[0]
    }

    @Test func aResourceAfterItsSpansStillGivesTheUnit() throws {
        let span = WireBytes.ids + WireBytes.field(9, WireBytes.keyValue("gen_ai.request.model", [WireBytes.string(1, "m")]))
        let resource = WireBytes.field(1, WireBytes.keyValue("user.id", [WireBytes.string(1, "user-3")]))
        for resourceFirst in [true, false] {
            let bytes = WireBytes.request(resource: resource, span: span, resourceFirst: resourceFirst)
            #expect(try event(bytes).objectValue?["unit"] == "user-3")
        }
    }

    @Test func valuesSentInPiecesAreMergedAsSwiftProtobufMergesThem() throws {
        // A value sent twice: a string then an int (the oneof's last member wins), and two arrays (concatenated).
        let tokens = WireBytes.keyValue("gen_ai.usage.input_tokens", [WireBytes.string(1, "x"), WireBytes.int(3, 950)])
        let model = WireBytes.keyValue("gen_ai.request.model", [
            WireBytes.field(5, WireBytes.field(1, WireBytes.string(1, "a"))),
            WireBytes.field(5, WireBytes.field(1, WireBytes.int(3, 2))),
        ])
        let unit = WireBytes.keyValue("user.id", [WireBytes.string(1, "user-1")])
        // Scalars sent twice keep the last value; a status sent in two pieces is merged.
        let span = WireBytes.ids + WireBytes.fixed64(7, 1) + WireBytes.fixed64(7, 1_000_000_000) + WireBytes.fixed64(8, 3_000_000_000)
            + WireBytes.field(9, tokens) + WireBytes.field(9, model) + WireBytes.field(9, unit)
            + WireBytes.field(15, WireBytes.int(3, 2)) + WireBytes.field(15, WireBytes.string(2, "Timeout"))
        let bytes = WireBytes.request(span: span)
        let decoded = try Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest(serializedBytes: bytes)
        let reference = decoded.resourceSpans[0].scopeSpans[0].spans[0]
        #expect(reference.attributes[0].value.intValue == 950)
        #expect(reference.attributes[1].value.arrayValue.values.count == 2)
        #expect(reference.status.code == .error && reference.status.message == "Timeout")

        let properties = try #require(try event(bytes).objectValue?["properties"]?.objectValue)
        #expect(properties["input_tokens"] == 950)
        #expect(properties["model"] == .array(["a", 2]))
        #expect(properties["latency_ms"] == 2000)
        #expect(properties["status"] == "timeout")
        #expect(properties["error_type"] == "Timeout")
    }

    @Test func theLastOfTwoStatusMessagesWins() throws {
        // Both pieces carry a message (the FuzzOTLP seed status-twice.bin): protobuf keeps the last, as must we.
        let unit = WireBytes.keyValue("user.id", [WireBytes.string(1, "user-1")])
        let model = WireBytes.keyValue("gen_ai.request.model", [WireBytes.string(1, "m")])
        let span = WireBytes.ids + WireBytes.fixed64(7, 1_000_000_000) + WireBytes.fixed64(8, 3_000_000_000)
            + WireBytes.field(9, model) + WireBytes.field(9, unit)
            + WireBytes.field(15, WireBytes.int(3, 2) + WireBytes.string(2, "Timeout"))
            + WireBytes.field(15, WireBytes.string(2, "Overloaded"))
        let bytes = WireBytes.request(span: span)
        let decoded = try Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest(serializedBytes: bytes)
        #expect(decoded.resourceSpans[0].scopeSpans[0].spans[0].status.message == "Overloaded")
        let properties = try #require(try event(bytes).objectValue?["properties"]?.objectValue)
        #expect(properties["error_type"] == "Overloaded")
    }

    @Test func malformedBodiesAreRefusedWithTheReason() throws {
        let unit = WireBytes.field(9, WireBytes.keyValue("user.id", [WireBytes.string(1, "u")]))
        let cases: [([UInt8], String)] = [
            (WireBytes.request(span: WireBytes.ids + WireBytes.field(9, WireBytes.string(1, "gen_ai.\u{FF}")) + unit).map { $0 == 0xC3 ? 0xFF : $0 }, "not valid UTF-8"),
            (WireBytes.request(span: WireBytes.ids + WireBytes.int(7, 5) + unit), "Span.start_time_unix_nano has wire type 0"),
            (Array(WireBytes.request(span: WireBytes.ids + unit).dropLast(2)), "claims"),
            ([0x0A, 0x80], "varint"),
            ([0x0B], "invalid field tag"),
        ]
        for (bytes, reason) in cases {
            #expect(throws: ProtobufWireReader.Failure.self) { try mapping.map(bytes, ids: .binary) }
            do {
                _ = try mapping.map(bytes, ids: .binary)
            } catch {
                #expect("\(error)".contains(reason), "\(error)")
            }
        }
    }

    @Test func everyTruncationIsRefusedExactlyWhenSwiftProtobufRefusesIt() throws {
        var span = OTLPFixtures.genAISpan(attributes: ["rampart.prompt_version_id": "pv_1", "gen_ai.response.model": "m-2"])
        var evaluation = Opentelemetry_Proto_Trace_V1_Span.Event()
        evaluation.name = "feature_flag.evaluation"
        evaluation.attributes = [OTLPFixtures.attribute("feature_flag.key", "support-answer-prompt"), OTLPFixtures.attribute("feature_flag.result.variant", "treatment")]
        span.events = [evaluation]
        span.status.code = .error
        let bytes: [UInt8] = try OTLPFixtures.request([span, OTLPFixtures.genAISpan(spanByte: 2)], resource: ["service.name": "bot"]).serializedBytes()
        var refused = 0
        for length in 0..<bytes.count {
            let prefix = Array(bytes[..<length])
            let reference = (try? Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest(serializedBytes: prefix)) != nil
            let mapped = (try? mapping.map(prefix, ids: .binary)) != nil
            #expect(reference == mapped, "prefix of \(length) bytes")
            if !mapped { refused += 1 }
        }
        #expect(refused > bytes.count / 2)
        #expect(try mapping.map(bytes, ids: .binary).count == 3)
    }

    @Test func aBadBodyIsA400NamingTheByte() async throws {
        let ingest = OTLPTraceIngest(store: try SQLiteEventStore(inMemoryWith: .init()), parser: EventParser(), mapping: mapping)
        await #expect(throws: OTLPTraceIngest.DecodingFailure.self) { try await ingest.ingest([0x0A, 0x05, 0x01], encoding: .protobuf) }
    }
}
