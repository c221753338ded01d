import OTLPProto
import RampartCore
import RampartOTLP
import SwiftProtobuf

/// The mapping `POST /v1/traces` uses, with two Rampart experiments (one in phase 2) for flag evaluations to name.
let mapping = OTLPTraceMapping { $0 == "support-answer-prompt" ? 0 : ($0 == "phased" ? 2 : nil) }

/// Reads the input as an OTLP/HTTP protobuf trace export two ways: mapped straight from its bytes (what
/// `POST /v1/traces` does), and decoded by swift-protobuf, written again and mapped (what the OTLP/JSON path does
/// after decoding), with either id encoding.
///
/// Neither may crash. Whenever swift-protobuf decodes the body, both must map it or both refuse it, with the same
/// events, sources, rejections and counts: the mapping's reading of repeated fields, messages in pieces, unknown
/// fields and field order must be protobuf's. (The mapping checks only the framing of fields it does not read, so
/// it may take a body swift-protobuf refuses.) Every event the mapping writes is one line of JSON holding an object.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOTLP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for ids in [OTLPTraceMapping.IDEncoding.binary, .jsonHex] {
        let direct = Result { try mapping.map(bytes, ids: ids) }
        if case .success(let output) = direct { checkLines(output) }
        guard let request = try? Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest(serializedBytes: bytes) else {
            continue
        }
        let decoded = Result { try mapping.map(request, ids: ids) }
        switch (direct, decoded) {
        case (.success(let a), .success(let b)):
            guard a.ndjson == b.ndjson else {
                fatalError("events differ:\n\(String(decoding: a.ndjson, as: UTF8.self))\nvs\n\(String(decoding: b.ndjson, as: UTF8.self))")
            }
            guard a.spanOfEvent == b.spanOfEvent, a.sources == b.sources else { fatalError("the events' spans or sources differ") }
            guard a.rejections == b.rejections else { fatalError("rejections differ: \(a.rejections) vs \(b.rejections)") }
            guard a.spans == b.spans, a.ignored == b.ignored else {
                fatalError("counts differ: \(a.spans)/\(a.ignored) spans/ignored vs \(b.spans)/\(b.ignored)")
            }
        case (.failure, .failure):
            break
        case (.failure(let error), .success):
            fatalError("swift-protobuf decodes the body, and maps it once written again, but the mapping refuses the bytes: \(error)")
        case (.success, .failure(let error)):
            fatalError("the mapping reads the bytes, but refuses them once swift-protobuf decoded and wrote them again: \(error)")
        }
    }
    return 0
}

/// Checks that the output holds one line per event, each a JSON object.
func checkLines(_ output: OTLPTraceMapping.Output) {
    guard output.spanOfEvent.count == output.sources.count else { fatalError("\(output.count) events, \(output.sources.count) source lists") }
    var lines = 0
    var start = 0
    output.ndjson.withUnsafeBufferPointer { text in
        while start < text.count {
            var end = start
            while end < text.count, text[end] != 0x0A { end += 1 }
            guard end < text.count else { fatalError("the last line has no newline") }
            let line = UnsafeBufferPointer(rebasing: text[start..<end])
            guard case .object = try? JSONValue.parse(utf8: line) else {
                fatalError("line \(lines) is not a JSON object: \(String(decoding: line, as: UTF8.self))")
            }
            lines += 1
            start = end + 1
        }
    }
    guard lines == output.count else { fatalError("\(lines) lines for \(output.count) events") }
}
