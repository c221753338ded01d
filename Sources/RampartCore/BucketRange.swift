/// A half-open interval `[start, end)` of bucket values assigned to one variant.
public struct BucketRange: Sendable, Hashable, Codable {
    /// The first bucket value inside the range.
    public var start: Double
    /// The first bucket value past the range.
    public var end: Double

    public init(start: Double, end: Double) {
        self.start = start
        self.end = end
    }

    /// Whether `n` lies in `[start, end)`.
    @inlinable
    public func contains(_ n: Double) -> Bool {
        n >= start && n < end
    }
}
