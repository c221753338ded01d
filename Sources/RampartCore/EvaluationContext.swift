/// An OpenFeature evaluation context, as OFREP sends it in a request body (`{"context": {"targetingKey": …, …}}`):
/// the targeting key, which identifies the unit, and the other members, which are targeting attributes.
public struct EvaluationContext: Sendable, Equatable {
    /// The unit to assign (a user or session id).
    public var targetingKey: String
    /// The context's other members.
    public var attributes: [String: JSONValue]

    public init(targetingKey: String, attributes: [String: JSONValue] = [:]) {
        self.targetingKey = targetingKey
        self.attributes = attributes
    }

    /// The longest targeting key, in bytes: the longest unit id an event may carry (``EventParser/Configuration``).
    public static let maximumTargetingKeyBytes = EventParser.Configuration().maximumUnitLength

    /// Parses an OFREP evaluation request body.
    ///
    /// - Parameter body: The body's UTF-8 bytes; empty means `{}`.
    /// - Throws: ``EvaluationContextProblem`` saying what is wrong, as OFREP's PARSE_ERROR, INVALID_CONTEXT or
    ///   TARGETING_KEY_MISSING.
    public static func parse(requestBody body: UnsafeBufferPointer<UInt8>) throws(EvaluationContextProblem) -> EvaluationContext {
        let root: JSONValue
        if body.isEmpty {
            root = .object([:])
        } else {
            do {
                // Invalid UTF-8 is refused, not repaired to U+FFFD: repaired, two targeting keys would be one unit.
                root = try JSONValue.parse(utf8: body)
            } catch {
                throw EvaluationContextProblem(.parseError, "the request body is not valid JSON: \(error.message)")
            }
        }
        // Each dictionary is taken out of its parent before it is changed, so that it is changed in place.
        guard case .object(var members) = consume root else {
            throw EvaluationContextProblem(.parseError, "the request body must be a JSON object with a 'context' member")
        }
        var attributes: [String: JSONValue]
        switch members.removeValue(forKey: "context") {
        case .none, .null:
            attributes = [:]
        case .object(let object):
            attributes = object
        case .some(let other):
            throw EvaluationContextProblem(.invalidContext, "'context' must be an object, found \(other.typeName)")
        }
        guard let rawKey = attributes.removeValue(forKey: "targetingKey"), !rawKey.isNull else {
            throw EvaluationContextProblem(.targetingKeyMissing, "context.targetingKey is required: it identifies the unit (user or session) to assign")
        }
        guard case .string(let targetingKey) = rawKey else {
            throw EvaluationContextProblem(.invalidContext, "context.targetingKey must be a string, found \(rawKey.typeName)")
        }
        guard !targetingKey.isEmpty else {
            throw EvaluationContextProblem(.targetingKeyMissing, "context.targetingKey is empty")
        }
        // The key is the unit of the exposure logged: the limit every event's unit has.
        guard targetingKey.utf8.count <= maximumTargetingKeyBytes else {
            throw EvaluationContextProblem(.invalidContext, "context.targetingKey is longer than \(maximumTargetingKeyBytes) bytes, the longest unit id")
        }
        return EvaluationContext(targetingKey: targetingKey, attributes: attributes)
    }

    /// The attributes an experiment whose unit attribute is `unitAttribute` is assigned with: the context's, with
    /// the targeting key as the unit attribute unless the context sets it.
    ///
    /// - Parameter unitAttribute: The experiment's unit attribute, e.g. `user_id`.
    public func attributes(unitAttribute: String) -> [String: JSONValue] {
        guard attributes[unitAttribute] == nil else { return attributes }
        var attributes = attributes
        attributes[unitAttribute] = .string(targetingKey)
        return attributes
    }

    /// Sets the targeting key as the unit attribute unless the context sets it, in place: for a single-flag
    /// evaluation, which knows its experiment's unit attribute before assigning.
    ///
    /// - Parameter unitAttribute: The experiment's unit attribute.
    public mutating func addUnit(_ unitAttribute: String) {
        if attributes[unitAttribute] == nil { attributes[unitAttribute] = .string(targetingKey) }
    }
}
