extension SQLiteEventStore {
    /// What the page caches of the writing connection and of the reading connections hold, as of each connection's
    /// last read or write (``ConnectionCaches``); empty for an in-memory database.
    ///
    /// The writer's cache stays filled between transactions, since no other connection writes under it, and grows
    /// to ``Configuration/cacheSizeMiB`` as merges touch more of the file; a reader's is emptied at the first read
    /// after another connection's commit (docs/operations.md, "Memory").
    public func cacheMemory() -> [StoreCacheMemory] {
        connectionCaches?.usage() ?? []
    }
}
