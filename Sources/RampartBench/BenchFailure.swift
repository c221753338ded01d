/// A benchmark that could not measure what it set out to (e.g. fewer events stored than simulated).
public struct BenchFailure: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
