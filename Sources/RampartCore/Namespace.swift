/// A mutual-exclusion namespace: experiments that share an `id` own disjoint `[start, end)` slices of it.
public struct Namespace: Sendable, Hashable, Codable {
    /// The namespace identifier, shared by the experiments that must not overlap.
    public var id: String
    /// The start of this experiment's slice, in [0, 1].
    public var start: Double
    /// The end of this experiment's slice, in [0, 1].
    public var end: Double

    public init(id: String, start: Double = 0, end: Double = 1) {
        self.id = id
        self.start = start
        self.end = end
    }

    /// Whether two slices of the same namespace overlap.
    public func overlaps(_ other: Namespace) -> Bool {
        id == other.id && start < other.end && other.start < end
    }
}
