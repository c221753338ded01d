import Testing

@testable import RampartStore

/// The staged-uuid set is sized up front and keeps its size, so the writer never rehashes it while requests wait.
@Suite struct IngestCacheTests {
    @Test func theStagedSetKeepsItsReservedCapacity() {
        let cache = IngestCache(limit: 10, stagedCapacity: 50_000)
        let reserved = cache.staged.capacity
        #expect(reserved >= 50_000)
        for i in 0..<50_000 { cache.staged.insert(UUIDKey(high: UInt64(i), low: 7)) }
        #expect(cache.staged.capacity == reserved, "filling it to the reservation grew it")
        cache.clear()
        #expect(cache.staged.isEmpty)
        #expect(cache.staged.capacity == reserved, "clearing it after a rollback gave the reservation back")
    }

    /// Twice the staging limit, bounded, and never a trap on a limit no one reaches.
    @Test func theReservationFollowsTheStagingLimit() {
        #expect(SQLiteEventStore.Configuration().stagedUUIDCapacity == 400_000)
        #expect(SQLiteEventStore.Configuration(stagedEventLimit: 1_000_000_000).stagedUUIDCapacity == 2_000_000)
        #expect(SQLiteEventStore.Configuration(stagedEventLimit: .max).stagedUUIDCapacity == 2_000_000)
        #expect(SQLiteEventStore.Configuration(stagedEventLimit: 0).stagedUUIDCapacity == 0)
    }
}
