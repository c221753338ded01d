import Foundation
import RampartCore
@testable import RampartStore
import Testing

/// Analyses as of an earlier day, kept in memory (``PastAnalysisCache``), against every backend: answered again while
/// no event of their names or exposure dated on or before their day is stored, read again (and equal to the
/// one-metric queries) as soon as one is, by this process or another.
@Suite("Analyses as of an earlier day")
struct PastAnalysisCacheTests {
    /// The batch analysis's request with a timeline, so that the kept result covers every part.
    static let request: AnalysisRequest = {
        var request = AnalysisRequestTests.request
        request.timeline = AnalysisRequest.Timeline(metric: 1, interval: 300, maxPoints: 10)
        return request
    }()

    static func cache(_ store: any ValueDistributionStore) throws -> PastAnalysisCache {
        if let sqlite = store as? SQLiteEventStore { return sqlite.pastAnalyses }
        return try #require(store as? PostgresEventStore).pastAnalyses
    }

    /// A random world (``ReferenceStatisticsTests/world(seed:)``) stored on a backend, with the store's cache.
    static func stored(_ backend: StoreBackend, seed: UInt64) async throws -> (ReferenceStatisticsTests.World, any ValueDistributionStore, PastAnalysisCache) {
        let world = ReferenceStatisticsTests.world(seed: seed)
        let store = try await AnalysisRequestTests.store(backend, world.events)
        return (world, store, try cache(store))
    }

    /// Equal results, NaN estimates included.
    static func same(_ a: AnalysisResult, _ b: AnalysisResult) -> Bool {
        String(describing: a) == String(describing: b)
    }

    /// An event dated now: on a later day than the analyses' moments.
    static func today(_ name: String, _ unit: String) -> Event {
        Event(id: UUID(), name: name, unit: unit, timestamp: Date(), properties: [:])
    }

    @Test(arguments: StoreBackend.allCases)
    func aPastAnalysisIsAnsweredAgainUntilAnEventOfItsDayArrives(_ backend: StoreBackend) async throws {
        let (world, store, cache) = try await Self.stored(backend, seed: 4)
        let scope = ExperimentScope(key: "exp", asOf: at(600))
        let first = try await store.analysis(Self.request, in: scope)
        #expect(!first.attribution.enrolled.isEmpty && !first.timeline.isEmpty)
        #expect(Self.same(try await store.analysis(Self.request, in: scope), first))
        #expect(cache.statistics == .init(hits: 1, misses: 1, kept: 1))

        // Events dated today, of names it reads and exposures: its data has not changed.
        _ = try await store.ingest([Self.today("a", "user-1"), Self.today("b", "user-2"), exposure("user-today", 0, "control").dated(Date())])
        #expect(Self.same(try await store.analysis(Self.request, in: scope), first))
        // An event of its day of a name it does not read, and a duplicate of an event it read: nor here.
        _ = try await store.ingest([event("c", "user-1", 100), world.events[0]])
        #expect(Self.same(try await store.analysis(Self.request, in: scope), first))
        #expect(cache.statistics == .init(hits: 3, misses: 1, kept: 1))

        // A late exposure dated before the moment: read again, with the new unit.
        _ = try await store.ingest([exposure("user-late", 100, "control")])
        let second = try await store.analysis(Self.request, in: scope)
        #expect(second.attribution.enrolled["control"] == (first.attribution.enrolled["control"] ?? 0) + 1)
        #expect(second.attribution == (try await store.attribution(scope)))
        #expect(cache.statistics == .init(hits: 3, misses: 2, kept: 2))

        // A late event of a metric's name, dated on its day after the moment: read again (the marker counts whole
        // days), and equal to the one-metric query.
        _ = try await store.ingest([event("b", "user-late", 700), event("b", "user-late", 200)])
        let third = try await store.analysis(Self.request, in: scope)
        let b = try await store.statistics(AnalysisRequestTests.request.metrics[7].query, in: scope)
        #expect(third.metrics[7].unitsWithEvents == b.unitsWithEvents)
        for (key, s) in b.variants { #expect(AnalysisRequestTests.close(third.metrics[7].variants[key], s), "\(key)") }
        #expect(third.metrics[7] != second.metrics[7])
        #expect(Self.same(try await store.analysis(Self.request, in: scope), third))
        #expect(cache.statistics == .init(hits: 4, misses: 3, kept: 3))
        #expect(cache.count == 1, "the same analysis is kept once")
    }

    @Test(arguments: StoreBackend.allCases)
    func analysesAsOfTodayOfEverythingOrOfASegmentAreNotKept(_ backend: StoreBackend) async throws {
        let (_, store, cache) = try await Self.stored(backend, seed: 5)
        var segment = ExperimentScope(key: "exp", asOf: at(600))
        segment.segment = SegmentFilter(attribute: "plan", value: "enterprise")
        for scope in [ExperimentScope(key: "exp"), ExperimentScope(key: "exp", asOf: Date()), segment] {
            _ = try await store.analysis(Self.request, in: scope)
            _ = try await store.analysis(Self.request, in: scope)
        }
        #expect(cache.count == 0)
        #expect(cache.statistics == .init())
    }

    /// The marker is in the database: a late event stored by another process (another store on the same database)
    /// makes this one read again.
    @Test(arguments: [StoreBackend.sqliteFile] + (StoreBackend.postgresURL == nil ? [] : [StoreBackend.postgres]))
    func aLateEventStoredByAnotherProcessIsSeen(_ backend: StoreBackend) async throws {
        let world = ReferenceStatisticsTests.world(seed: 6)
        let reader: any ValueDistributionStore
        let writer: any ValueDistributionStore
        switch backend {
        case .postgres:
            let url = try await PostgresEventStore.createScratchDatabase(on: StoreBackend.postgresURL!, prefix: "rampart_test")
            reader = try await PostgresEventStore(url: url, maximumConnections: 2, operationTimeout: StoreBackend.postgresTimeout)
            writer = try await PostgresEventStore(url: url, maximumConnections: 2, operationTimeout: StoreBackend.postgresTimeout)
        default:
            let path = try StoreBackend.temporaryPath()
            reader = try SQLiteEventStore(path: path, configuration: .init(cacheSizeMiB: 8))
            writer = try SQLiteEventStore(path: path, configuration: .init(cacheSizeMiB: 8))
        }
        _ = try await writer.ingest(world.events)
        let scope = ExperimentScope(key: "exp", asOf: at(900))
        let first = try await reader.analysis(Self.request, in: scope)
        #expect(Self.same(try await reader.analysis(Self.request, in: scope), first))
        _ = try await writer.ingest([exposure("user-late", 100, "treatment")])
        let second = try await reader.analysis(Self.request, in: scope)
        #expect(second.attribution.enrolled["treatment"] == (first.attribution.enrolled["treatment"] ?? 0) + 1)
        #expect(try Self.cache(reader).statistics == .init(hits: 1, misses: 2, kept: 2))
    }

    @Test func theLeastRecentlyUsedIsForgottenBeyondTheCapacity() throws {
        let cache = PastAnalysisCache(capacity: 2)
        let past = Date(timeIntervalSince1970: 1_780_000_000)
        let keys = try (0..<3).map { k in
            try #require(cache.key(AnalysisRequest(metrics: []), ExperimentScope(key: "e\(k)", asOf: past)))
        }
        let result = PastAnalysisCache.Kept.analysis(SQLiteEventStore.empty(AnalysisRequest(metrics: [])))
        cache.keep(result, keys[0], marker: 1)
        cache.keep(result, keys[1], marker: 1)
        #expect(cache.result(keys[0], marker: 1) != nil)  // the first is now the more recently used
        cache.keep(result, keys[2], marker: 1)
        #expect(cache.count == 2)
        #expect(cache.result(keys[1], marker: 1) == nil)
        #expect(cache.result(keys[0], marker: 1) != nil)
        #expect(cache.result(keys[2], marker: 2) == nil, "another marker is other data")
    }

    @Test func aCapacityOfZeroKeepsNothingAndTodayIsNeverKept() {
        let past = ExperimentScope(key: "e", asOf: Date(timeIntervalSince1970: 1_780_000_000))
        #expect(PastAnalysisCache(capacity: 0).key(AnalysisRequest(metrics: []), past) == nil)
        let cache = PastAnalysisCache(capacity: 4)
        let now = Date(timeIntervalSince1970: 1_780_000_000)
        let midnight = Date(timeIntervalSince1970: 1_780_000_000 - 73_600)
        #expect(cache.key(AnalysisRequest(metrics: []), ExperimentScope(key: "e", asOf: midnight), now: now) == nil, "today's first moment")
        #expect(cache.key(AnalysisRequest(metrics: []), ExperimentScope(key: "e", asOf: midnight.addingTimeInterval(-0.001)), now: now) != nil, "yesterday's last")
    }

    /// A PostgreSQL store written before the day counts existed gets them from its events (migration "v7 stored
    /// event counts per day").
    @Test(.enabled(if: StoreBackend.postgresURL != nil)) func openingAnOlderPostgreSQLStoreCountsItsEventsPerDay() async throws {
        let url = try await PostgresEventStore.createScratchDatabase(on: StoreBackend.postgresURL!, prefix: "rampart_test")
        let events = (0..<30).map { event("a", "u\($0)", Double($0) * 3_600) } + (0..<4).map { exposure("u\($0)", 0, "control") }
        do {
            let store = try await PostgresEventStore(url: url, maximumConnections: 2, operationTimeout: StoreBackend.postgresTimeout)
            _ = try await store.ingest(events)
            try await store.execute("""
                DROP TABLE event_day_counts;
                DELETE FROM rampart_migrations WHERE name = 'v7 stored event counts per day';
                """)
        }
        let reopened = try await PostgresEventStore(url: url, maximumConnections: 2, operationTimeout: StoreBackend.postgresTimeout)
        let day = PastAnalysisCache.day(Int64(epoch.timeIntervalSince1970 * 1000))
        let counts = try await reopened.read("counting") { c in
            (try await reopened.storedEvents(of: ["a"], through: day, on: c), try await reopened.storedEvents(of: ["a", EventName.exposure], through: day + 2, on: c))
        }
        let sameDay = events.filter { $0.name == "a" && PastAnalysisCache.day(Int64($0.timestamp.timeIntervalSince1970 * 1000)) <= day }.count
        #expect(counts.0 == sameDay && sameDay > 0 && sameDay < 30)
        #expect(counts.1 == 34)
    }
}

extension Event {
    /// The same event at another moment.
    func dated(_ moment: Date) -> Event {
        var copy = self
        copy.timestamp = moment
        return copy
    }
}
