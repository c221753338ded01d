/// The memory one kind of a store's connections holds in its own caches, in this process (for `/metrics`).
///
/// SQLite keeps a page cache per connection (``SQLiteEventStore/Configuration/cacheSizeMiB``) that fills up to its
/// cap as the connection touches pages; it is memory in use, not memory the allocator kept. PostgreSQL's caches are
/// the server's, so ``PostgresEventStore`` reports none.
public struct StoreCacheMemory: Sendable, Equatable {
    /// Which connections: `writer` or `readers`.
    public var connections: String
    /// How many connections of that kind are open.
    public var count: Int
    /// The bytes their caches hold together.
    public var bytes: Int

    /// - Parameters:
    ///   - connections: Which connections: `writer` or `readers`.
    ///   - count: How many are open.
    ///   - bytes: The bytes their caches hold together.
    public init(connections: String, count: Int, bytes: Int) {
        self.connections = connections
        self.count = count
        self.bytes = bytes
    }
}
