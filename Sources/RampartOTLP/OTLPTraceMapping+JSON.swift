import Foundation
import OTLPProto
import SwiftProtobuf

extension OTLPTraceMapping {
    /// An export request in OTLP/JSON, with hex `traceId`, `spanId` and `parentSpanId`, as an OTLP/JSON exporter
    /// sends it (the bench's and the tests' JSON bodies).
    ///
    /// proto3's JSON mapping writes `bytes` in base64; each id is replaced by the bytes whose base64 is its hex text
    /// (hex digits are base64 digits and the ids' hex lengths are multiples of 4), the inverse of
    /// ``hexID(_:)``.
    ///
    /// - Parameter request: The request, with binary ids.
    /// - Returns: Its OTLP/JSON text, in UTF-8.
    public static func otlpJSON(_ request: Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest) throws -> [UInt8] {
        func hexBytes(_ id: Data) -> Data {
            id.isEmpty ? id : Data(base64Encoded: hex(Array(id))) ?? id
        }
        var copy = request
        for r in copy.resourceSpans.indices {
            for s in copy.resourceSpans[r].scopeSpans.indices {
                for i in copy.resourceSpans[r].scopeSpans[s].spans.indices {
                    var span = copy.resourceSpans[r].scopeSpans[s].spans[i]
                    span.traceID = hexBytes(span.traceID)
                    span.spanID = hexBytes(span.spanID)
                    span.parentSpanID = hexBytes(span.parentSpanID)
                    for l in span.links.indices {
                        span.links[l].traceID = hexBytes(span.links[l].traceID)
                        span.links[l].spanID = hexBytes(span.links[l].spanID)
                    }
                    copy.resourceSpans[r].scopeSpans[s].spans[i] = span
                }
            }
        }
        return try copy.jsonUTF8Bytes()
    }
}
