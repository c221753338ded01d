import Foundation
import RampartCore
@testable import RampartStore
import Testing

/// What `/metrics` reports of the SQLite store's page caches (``SQLiteEventStore/cacheMemory()``): recorded by each
/// connection at each use, the writer's filling with what its commits and merges touch, up to its cap and no further.
@Suite("Connection caches")
struct ConnectionCachesTests {
    /// Ingests the same 60,000 events, merged three times on the way, into a store with a writer cache of `mib`.
    static func filled(cacheMiB mib: Int, readerCacheMiB: Int = 1, releasing: Bool = false) async throws -> SQLiteEventStore {
        var configuration = SQLiteEventStore.Configuration(cacheSizeMiB: mib, stagedEventLimit: 20_000)
        configuration.readerCacheSizeMiB = readerCacheMiB
        configuration.releasesReaderCaches = releasing
        let store = try SQLiteEventStore(path: try StoreBackend.temporaryPath(), configuration: configuration)
        try await MergeSliceTests.ingest(ConcurrentAccessTests.events("cache", 60_000), into: store, by: 5_000)
        return store
    }

    @Test func theWritersCacheFillsToItsCapAndNoFurther() async throws {
        let capped = try await Self.filled(cacheMiB: 1)
        let writer = try #require(capped.cacheMemory().first { $0.connections == "writer" })
        #expect(writer.count == 1)
        // SQLite counts each page with its header; the cap counts page contents.
        #expect(writer.bytes > 512 << 10, "the database outgrew 1 MiB, so the cache is full: \(writer.bytes)")
        #expect(writer.bytes < 1_300 << 10, "at most the 1 MiB cap and the pages' headers: \(writer.bytes)")
        // The same data with room to spare: the cache holds more, which is what a server's memory shows as its
        // database grows (docs/operations.md, "Memory").
        let roomy = try await Self.filled(cacheMiB: 64)
        let larger = try #require(roomy.cacheMemory().first { $0.connections == "writer" })
        #expect(larger.bytes > writer.bytes * 2, "\(larger.bytes) against \(writer.bytes)")
        #expect(larger.bytes < 64 << 20)
    }

    @Test func readersAreCountedOnceTheyOpen() async throws {
        let store = try await Self.filled(cacheMiB: 1)
        #expect(try await store.eventCount() == 60_000)
        async let a = store.eventCount()
        async let b = store.eventCount()
        _ = try await (a, b)
        let readers = try #require(store.cacheMemory().first { $0.connections == "readers" })
        #expect(readers.count >= 1)
        #expect(readers.bytes > 0 && readers.bytes < readers.count * (1_300 << 10), "\(readers.bytes) in \(readers.count)")
    }

    /// `rampart serve`'s setting: a read that filled a reader's cache gives it back at its end, and a small one keeps
    /// what it read; the writer's cache is never given back.
    @Test func readersGiveBackWhatALargeReadLeftWhenAsked() async throws {
        let scan = "SELECT count(*), sum(length(props)), sum(ts) FROM events"
        let kept = try await Self.filled(cacheMiB: 8, readerCacheMiB: 32)
        _ = try await kept.rows(scan)
        let held = try #require(kept.cacheMemory().first { $0.connections == "readers" })
        #expect(held.bytes > ConnectionCaches.readerKeepBytes, "a scan of 60,000 events is kept by default: \(held.bytes)")

        let released = try await Self.filled(cacheMiB: 8, readerCacheMiB: 32, releasing: true)
        _ = try await released.rows(scan)
        let readers = try #require(released.cacheMemory().first { $0.connections == "readers" })
        #expect(readers.count >= 1)
        #expect(readers.bytes <= ConnectionCaches.readerKeepBytes * readers.count, "given back: \(readers.bytes)")
        #expect(readers.bytes * 4 < held.bytes, "given back: \(readers.bytes) of the \(held.bytes) kept without it")
        let writer = try #require(released.cacheMemory().first { $0.connections == "writer" })
        #expect(writer.bytes > ConnectionCaches.readerKeepBytes, "the writer keeps its cache: \(writer.bytes)")
        // A small read keeps what it read.
        _ = try await released.rows("SELECT 1 FROM events LIMIT 1")
        #expect(try #require(released.cacheMemory().first { $0.connections == "readers" }).bytes > 0)
        #expect(try await released.eventCount() == 60_000)
    }

    @Test func readingTheCachesDuringIngestIsSafe() async throws {
        let store = try SQLiteEventStore(path: try StoreBackend.temporaryPath(), configuration: .init(cacheSizeMiB: 2, stagedEventLimit: 10_000))
        let events = ConcurrentAccessTests.events("race", 40_000)
        async let ingested: Void = MergeSliceTests.ingest(events, into: store, by: 2_000)
        var reads = 0
        for _ in 0..<2_000 {
            reads += store.cacheMemory().count
            _ = try await store.eventCount()
        }
        try await ingested
        #expect(reads == 4_000)
        #expect(try await store.eventCount() == 40_000)
    }

    @Test func anInMemoryStoreReportsNone() async throws {
        let store = try SQLiteEventStore(inMemoryWith: .init())
        _ = try await store.ingest([event("e", "u", 1)])
        #expect(store.cacheMemory().isEmpty)
    }
}
