/// One problem found in an experiment file, located by file, line and field.
public struct ConfigProblem: Sendable, Hashable, CustomStringConvertible {
    /// How serious a problem is.
    public enum Severity: String, Sendable, Hashable {
        /// The file cannot be used as written.
        case error
        /// The file works, but probably not as intended.
        case warning
    }

    /// The file the problem is in.
    public var file: String
    /// The 1-based line, or 0 when the problem concerns the whole file.
    public var line: Int
    /// The 1-based column, or 0 when unknown.
    public var column: Int
    /// The field's path, e.g. `variants[1].weight`.
    public var field: String
    /// What is wrong, and why.
    public var message: String
    public var severity: Severity

    public init(file: String, line: Int, column: Int, field: String, message: String, severity: Severity = .error) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
        self.severity = severity
    }

    /// `file:line:column: error: field: message`, the format compilers use, so editors can jump to it.
    public var description: String {
        "\(file):\(line):\(column): \(severity.rawValue): \(field): \(message)"
    }
}
