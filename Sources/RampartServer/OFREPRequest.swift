import Foundation
import NIOCore
import RampartCore

/// A parsed OFREP evaluation request: the targeting key and the remaining context attributes.
struct OFREPRequest {
    var targetingKey: String
    var attributes: [String: JSONValue]

    /// Parses a request body.
    ///
    /// - Parameters:
    ///   - body: The raw body; empty means `{}`.
    ///   - key: The flag key, to put in errors; `nil` for bulk evaluation.
    /// - Throws: `OFREPError` with PARSE_ERROR, INVALID_CONTEXT or TARGETING_KEY_MISSING.
    static func parse(_ body: ByteBuffer, key: String?) throws -> OFREPRequest {
        let root: JSONValue
        if body.readableBytes == 0 {
            root = .object([:])
        } else {
            let parsed: JSONValue?? = body.readableBytesView.withContiguousStorageIfAvailable { bytes in
                try? JSONValue.parse(utf8: bytes)
            }
            guard let value = parsed ?? (try? JSONValue.parse(String(buffer: body))) else {
                throw OFREPError(code: .parseError, details: "the request body is not valid JSON", key: key)
            }
            root = value
        }
        guard case .object(let members) = root else {
            throw OFREPError(code: .parseError, details: "the request body must be a JSON object with a 'context' member", key: key)
        }
        let context: [String: JSONValue]
        switch members["context"] {
        case .none, .null:
            context = [:]
        case .object(let object):
            context = object
        case .some(let other):
            throw OFREPError(code: .invalidContext, details: "'context' must be an object, found \(other.typeName)", key: key)
        }
        guard let rawKey = context["targetingKey"], !rawKey.isNull else {
            throw OFREPError(code: .targetingKeyMissing, details: "context.targetingKey is required: it identifies the unit (user or session) to assign", key: key)
        }
        guard case .string(let targetingKey) = rawKey else {
            throw OFREPError(code: .invalidContext, details: "context.targetingKey must be a string, found \(rawKey.typeName)", key: key)
        }
        guard !targetingKey.isEmpty else {
            throw OFREPError(code: .targetingKeyMissing, details: "context.targetingKey is empty", key: key)
        }
        var attributes = context
        attributes["targetingKey"] = nil
        return OFREPRequest(targetingKey: targetingKey, attributes: attributes)
    }
}
