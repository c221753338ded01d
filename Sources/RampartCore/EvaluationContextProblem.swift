/// Why an evaluation request body was refused, in the terms of OFREP's error codes.
public struct EvaluationContextProblem: Error, Sendable, Equatable {
    /// The OFREP error code it maps to.
    public enum Kind: String, Sendable {
        /// The body is not JSON, or not an object (PARSE_ERROR).
        case parseError = "PARSE_ERROR"
        /// The context, or its targeting key, has the wrong type (INVALID_CONTEXT).
        case invalidContext = "INVALID_CONTEXT"
        /// The context has no targeting key, or an empty one (TARGETING_KEY_MISSING).
        case targetingKeyMissing = "TARGETING_KEY_MISSING"
    }

    public var kind: Kind
    /// What is wrong, naming the member.
    public var details: String

    public init(_ kind: Kind, _ details: String) {
        self.kind = kind
        self.details = details
    }
}
