import OTLPProto
import RampartCore
import SwiftProtobuf

extension OTLPTraceIngest {
    /// Where an OTLP/JSON body that swift-protobuf refused goes wrong, as a path (`resourceSpans[0].scopeSpans[1]
    /// .spans[3].attributes[2]: …`), or `nil` when no part can be singled out. swift-protobuf's JSON errors carry no
    /// position, so a client with one bad span among thousands could not tell which; this runs only after a refusal,
    /// so an accepted body pays nothing.
    ///
    /// The text is read with Rampart's JSON reader first (a syntax error is named by its byte), then each part is
    /// decoded on its own, outermost first, and the first part that fails alone is named.
    ///
    /// - Parameter bytes: The body.
    static func locateJSONFailure(_ bytes: [UInt8]) -> String? {
        let root: JSONValue
        do {
            root = try bytes.withUnsafeBufferPointer { (p) throws(RampartError) in try JSONValue.parse(utf8: p) }
        } catch {
            return error.message
        }
        guard let request = root.objectValue else { return "the body must be a JSON object with resourceSpans, found \(root.typeName)" }
        if let given = request["resourceSpans"] ?? request["resource_spans"], given.arrayValue == nil, !given.isNull {
            return "resourceSpans: expected an array, found \(given.typeName)"
        }
        for (i, resourceSpans) in elements(request, "resourceSpans", "resource_spans").enumerated() {
            let path = "resourceSpans[\(i)]"
            guard let problem = failure(resourceSpans, as: Opentelemetry_Proto_Trace_V1_ResourceSpans.self) else { continue }
            let fields = resourceSpans.objectValue ?? [:]
            if let resource = fields["resource"], let inner = failure(resource, as: Opentelemetry_Proto_Resource_V1_Resource.self) {
                return attributeFailure(resource, at: path + ".resource") ?? "\(path).resource: \(inner)"
            }
            for (j, scopeSpans) in elements(fields, "scopeSpans", "scope_spans").enumerated() {
                let scopePath = "\(path).scopeSpans[\(j)]"
                guard let scopeProblem = failure(scopeSpans, as: Opentelemetry_Proto_Trace_V1_ScopeSpans.self) else { continue }
                let scopeFields = scopeSpans.objectValue ?? [:]
                for (k, span) in (scopeFields["spans"]?.arrayValue ?? []).enumerated() {
                    guard let spanProblem = failure(span, as: Opentelemetry_Proto_Trace_V1_Span.self) else { continue }
                    return attributeFailure(span, at: "\(scopePath).spans[\(k)]") ?? "\(scopePath).spans[\(k)]: \(spanProblem)"
                }
                return "\(scopePath): \(scopeProblem)"
            }
            return "\(path): \(problem)"
        }
        return nil
    }

    /// The array of the first of `names` present in `object` (the JSON name, then the proto field name).
    private static func elements(_ object: [String: JSONValue], _ names: String...) -> [JSONValue] {
        names.lazy.compactMap { object[$0]?.arrayValue }.first ?? []
    }

    /// The first of a part's `attributes` that does not decode as a `KeyValue` on its own, as a path and an error.
    private static func attributeFailure(_ part: JSONValue, at path: String) -> String? {
        for (index, attribute) in (part.objectValue?["attributes"]?.arrayValue ?? []).enumerated() {
            if let problem = failure(attribute, as: Opentelemetry_Proto_Common_V1_KeyValue.self) {
                let key = attribute.objectValue?["key"]?.stringValue.map { " (key '\($0)')" } ?? ""
                return "\(path).attributes[\(index)]\(key): \(problem)"
            }
        }
        return nil
    }

    /// Why `value` does not decode as `M` on its own, or `nil` when it does.
    private static func failure<M: SwiftProtobuf.Message>(_ value: JSONValue, as type: M.Type) -> String? {
        var options = JSONDecodingOptions()
        options.ignoreUnknownFields = true
        do {
            _ = try M(jsonString: value.jsonText, options: options)
            return nil
        } catch {
            return "\(error)"
        }
    }
}
