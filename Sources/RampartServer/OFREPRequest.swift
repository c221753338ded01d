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
        // Each dictionary is taken out of its parent before it is changed, so that it is changed in place.
        guard case .object(var members) = consume root else {
            throw OFREPError(code: .parseError, details: "the request body must be a JSON object with a 'context' member", key: key)
        }
        var attributes: [String: JSONValue]
        switch members.removeValue(forKey: "context") {
        case .none, .null:
            attributes = [:]
        case .object(let object):
            attributes = object
        case .some(let other):
            throw OFREPError(code: .invalidContext, details: "'context' must be an object, found \(other.typeName)", key: key)
        }
        guard let rawKey = attributes.removeValue(forKey: "targetingKey"), !rawKey.isNull else {
            throw OFREPError(code: .targetingKeyMissing, details: "context.targetingKey is required: it identifies the unit (user or session) to assign", key: key)
        }
        guard case .string(let targetingKey) = rawKey else {
            throw OFREPError(code: .invalidContext, details: "context.targetingKey must be a string, found \(rawKey.typeName)", key: key)
        }
        guard !targetingKey.isEmpty else {
            throw OFREPError(code: .targetingKeyMissing, details: "context.targetingKey is empty", key: key)
        }
        return OFREPRequest(targetingKey: targetingKey, attributes: attributes)
    }

    /// The attributes an experiment whose unit attribute is `unitAttribute` is assigned with: the context's, with
    /// the targeting key as the unit attribute unless the context sets it.
    ///
    /// - Parameter unitAttribute: The experiment's unit attribute, e.g. `user_id`.
    func attributes(unitAttribute: String) -> [String: JSONValue] {
        guard attributes[unitAttribute] == nil else { return attributes }
        var attributes = attributes
        attributes[unitAttribute] = .string(targetingKey)
        return attributes
    }

    /// Sets the targeting key as the unit attribute unless the context sets it, in place: for a single-flag
    /// evaluation, which knows its experiment's unit attribute before assigning.
    ///
    /// - Parameter unitAttribute: The experiment's unit attribute.
    mutating func addUnit(_ unitAttribute: String) {
        if attributes[unitAttribute] == nil { attributes[unitAttribute] = .string(targetingKey) }
    }
}
