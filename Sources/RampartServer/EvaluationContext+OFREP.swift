import NIOCore
import RampartCore

extension EvaluationContext {
    /// Parses an OFREP evaluation request body.
    ///
    /// - Parameters:
    ///   - body: The raw body; empty means `{}`.
    ///   - key: The flag key, to put in errors; `nil` for bulk evaluation.
    /// - Throws: `OFREPError` with PARSE_ERROR, INVALID_CONTEXT or TARGETING_KEY_MISSING.
    static func parse(_ body: ByteBuffer, key: String?) throws -> EvaluationContext {
        do {
            if let parsed = try body.readableBytesView.withContiguousStorageIfAvailable({ bytes throws(EvaluationContextProblem) in
                try EvaluationContext.parse(requestBody: bytes)
            }) {
                return parsed
            }
            return try Array(body.readableBytesView).withUnsafeBufferPointer { bytes throws(EvaluationContextProblem) in
                try EvaluationContext.parse(requestBody: bytes)
            }
        } catch let problem as EvaluationContextProblem {
            throw OFREPError(code: OFREPError.Code(problem.kind), details: problem.details, key: key)
        }
    }
}

extension OFREPError.Code {
    init(_ kind: EvaluationContextProblem.Kind) {
        switch kind {
        case .parseError: self = .parseError
        case .invalidContext: self = .invalidContext
        case .targetingKeyMissing: self = .targetingKeyMissing
        }
    }
}
