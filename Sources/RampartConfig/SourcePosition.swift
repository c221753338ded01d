/// A 1-based line and column in a YAML source.
public struct SourcePosition: Sendable, Hashable {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// The position used for problems that concern the whole file.
    public static let file = SourcePosition(line: 0, column: 0)
}
