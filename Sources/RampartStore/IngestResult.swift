import RampartCore

/// The outcome of ingesting a batch.
public struct IngestResult: Sendable, Hashable {
    /// Events newly stored (durably, once the call returned).
    public var stored: Int
    /// Events whose uuid was already stored, in an earlier batch or earlier in this one.
    public var duplicates: Int
    /// Events that were not stored, each with the field at fault and the reason.
    public var rejections: [EventRejection]

    /// Creates a result.
    ///
    /// - Parameters:
    ///   - stored: Events stored.
    ///   - duplicates: Events already stored.
    ///   - rejections: Events refused.
    public init(stored: Int = 0, duplicates: Int = 0, rejections: [EventRejection] = []) {
        self.stored = stored
        self.duplicates = duplicates
        self.rejections = rejections
    }

    /// The number of events rejected.
    public var rejected: Int { rejections.count }

    /// Adds another batch's result to this one.
    ///
    /// - Parameter other: The other result; its rejections are appended as they are.
    public mutating func add(_ other: IngestResult) {
        stored += other.stored
        duplicates += other.duplicates
        rejections += other.rejections
    }

    /// This result with each rejection's index replaced through `indices` (store index → input position).
    ///
    /// - Parameter indices: For each event handed to the store, its position in the original input.
    public func remapped(through indices: [Int]) -> IngestResult {
        var copy = self
        copy.rejections = rejections.map { r in
            var r = r
            if indices.indices.contains(r.index) { r.index = indices[r.index] }
            return r
        }
        return copy
    }
}
