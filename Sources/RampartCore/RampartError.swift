/// An error Rampart reports: a stable code, a message for people, and the underlying cause when there is one.
public struct RampartError: Error, Sendable, CustomStringConvertible {
    /// A stable, machine-readable error code.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Input that fails validation; the message names the field and the reason.
        public static let invalidInput = Code(rawValue: "invalid_input")
        /// Something referenced by key does not exist.
        public static let notFound = Code(rawValue: "not_found")
        /// An experiment definition has errors.
        public static let invalidExperiment = Code(rawValue: "invalid_experiment")
        /// A requested change is not allowed in the current state.
        public static let conflict = Code(rawValue: "conflict")
        /// A ramp action the verdict does not allow; forcing it with a reason overrides the verdict.
        public static let verdictRefusal = Code(rawValue: "verdict_refusal")
        /// Reading or writing storage failed.
        public static let storage = Code(rawValue: "storage")
        /// Another connection held the database lock for the whole busy timeout; retrying later can succeed.
        public static let busy = Code(rawValue: "busy")
        /// The disk holding the database is full; nothing of the write was stored, and freeing space makes it work.
        public static let storageFull = Code(rawValue: "storage_full")
    }

    public var code: Code
    public var message: String
    public var cause: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let cause { return "\(code): \(message) (cause: \(cause))" }
        return "\(code): \(message)"
    }
}
