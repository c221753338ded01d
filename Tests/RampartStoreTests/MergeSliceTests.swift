import Foundation
import RampartCore
@testable import RampartStore
import Testing

/// The merge of staged events in slices by key range (issue 12, "Sustained load"): each slice is its own transaction
/// and moves the next rows in key order into `events` and the next uuids in uuid order into the ledger; reads see
/// every event exactly once at every point of a merge; a merge left halfway (another process, a crash) is taken up by
/// the next writer; the rows leave the log with the last slice.
@Suite("Merge in slices")
struct MergeSliceTests {
    static func count(_ store: SQLiteEventStore, _ table: String) async throws -> Int {
        Int(try await store.rows("SELECT count(*) FROM \(table)").first?.first?.numberValue ?? -1)
    }

    static func sliced(_ path: String, slice: Int = 4_000, limit: Int = 1_000_000) throws -> SQLiteEventStore {
        var configuration = SQLiteEventStore.Configuration(stagedEventLimit: limit)
        configuration.mergeSliceEvents = slice
        return try SQLiteEventStore(path: path, configuration: configuration)
    }

    /// Ingests `events` in batches of `batch`, one after the other, each stored whole.
    static func ingest(_ events: [Event], into store: SQLiteEventStore, by batch: Int) async throws {
        for start in stride(from: 0, to: events.count, by: batch) {
            #expect(try await store.ingest(Array(events[start..<min(start + batch, events.count)])).stored == min(batch, events.count - start))
        }
    }

    /// Waits until nothing is staged and no merge is under way, or `bound` has passed since `start` (a bound for a
    /// loaded machine: the wait ends as soon as the condition holds).
    static func waitForTheMerge(of store: SQLiteEventStore, from start: ContinuousClock.Instant = .now, within bound: Duration = .seconds(60)) async throws {
        while try await count(store, "events_staged") > 0 || store.merging.load(ordering: .acquiring), ContinuousClock.now - start < bound {
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    @Test func aSliceMovesTheFirstKeysAndReadsSeeEveryEventOnce() async throws {
        let store = try Self.sliced(try StoreBackend.temporaryPath())
        let events = ConcurrentAccessTests.events("s", 25_000)
        try await Self.ingest(events, into: store, by: 1_000)
        #expect(try await Self.count(store, "events_staged") == 25_000)
        let before = try await store.attribution(ExperimentScope(key: "exp", phase: 0))
        #expect(try await store.mergeStep(4_000) == .init(moved: 8_000, finished: false))
        #expect(try await Self.count(store, "events") == 4_000)
        #expect(try await Self.count(store, "event_uuids") == 4_000)
        #expect(try await Self.count(store, "events_pending") == 21_000)
        let lowest = try await store.rows("""
            SELECT (SELECT name_id, unit_id, ts, uuid FROM events ORDER BY 1 DESC, 2 DESC, 3 DESC, 4 DESC LIMIT 1)
                < (SELECT name_id, unit_id, ts, uuid FROM events_pending ORDER BY 1, 2, 3, 4 LIMIT 1)
            """)
        #expect(lowest.first?.first?.numberValue == 1, "the slice took the lowest keys")
        #expect(try await store.eventCount() == 25_000)
        #expect(try await store.attribution(ExperimentScope(key: "exp", phase: 0)) == before)
        // Both the merged and the still staged events are known: a replay stores nothing.
        for start in stride(from: 0, to: events.count, by: 5_000) {
            #expect(try await store.ingest(Array(events[start..<start + 5_000])).duplicates == 5_000)
        }
        try await store.mergeStagedEvents()
        #expect(try await Self.count(store, "events_staged") == 0)
        #expect(try await Self.count(store, "merge_progress") == 0)
        #expect(try await Self.count(store, "events") == 25_000)
        #expect(try await Self.count(store, "event_uuids") == 25_000)
        #expect(store.stagedCount.load(ordering: .acquiring) == 0)
        #expect(try await store.mergeStep(4_000).idle)
    }

    /// Another process (here another store on the file) takes up a merge left after two slices, whether it merges
    /// in slices or in one transaction; rows staged and stored straight into `events` meanwhile stay once.
    @Test(arguments: [4_000, 0])
    func aMergeLeftHalfwayIsTakenUpByTheNextWriter(_ slice: Int) async throws {
        let path = try StoreBackend.temporaryPath()
        let events = ConcurrentAccessTests.events("r", 30_000)
        do {
            let first = try Self.sliced(path)
            for start in stride(from: 0, to: 20_000, by: 1_000) { _ = try await first.ingest(Array(events[start..<start + 1_000])) }
            _ = try await first.mergeStep(4_000)
            _ = try await first.mergeStep(4_000)
            #expect(try await Self.count(first, "events") == 8_000)
        }
        let second = try Self.sliced(path, slice: slice)
        #expect(try await second.eventCount() == 20_000)
        #expect(try await second.ingest(Array(events[0..<20_000])).duplicates == 20_000, "merged and pending uuids are both known")
        for start in stride(from: 20_000, to: 30_000, by: 1_000) { _ = try await second.ingest(Array(events[start..<start + 1_000])) }  // staged during the merge
        #expect(try await second.eventCount() == 30_000)
        try await second.mergeStagedEvents()
        #expect(try await Self.count(second, "events") == 30_000)
        #expect(try await Self.count(second, "event_uuids") == 30_000)
        #expect(try await Self.count(second, "events_staged") == 0)
        #expect(try await Self.count(second, "merge_progress") == 0)
        #expect(try await second.eventCount() == 30_000)
        #expect(try await second.ingest(events).duplicates == 30_000)
    }

    /// Events stored straight into `events` (a large batch) while a merge is halfway are read once and do not
    /// disturb the merge.
    @Test func aLargeBatchDuringAMergeGoesStraightIntoEvents() async throws {
        var configuration = SQLiteEventStore.Configuration(stagedEventLimit: 1_000_000, directInsertThreshold: 5_000)
        configuration.mergeSliceEvents = 2_000
        let store = try SQLiteEventStore(path: try StoreBackend.temporaryPath(), configuration: configuration)
        let events = ConcurrentAccessTests.events("d", 20_000)
        for start in stride(from: 0, to: 10_000, by: 1_000) { _ = try await store.ingest(Array(events[start..<start + 1_000])) }
        _ = try await store.mergeStep(2_000)
        #expect(try await store.ingest(Array(events[10_000..<20_000])).stored == 10_000)
        #expect(try await Self.count(store, "events") == 12_000)
        #expect(try await store.eventCount() == 20_000)
        // Counted per minute and per day like staged events (the ingest page's counts).
        let perMinute = try await store.rows("SELECT sum(n) FROM event_minutes").first?.first?.numberValue
        let perDay = try await store.rows("SELECT sum(n) FROM event_days").first?.first?.numberValue
        #expect(perMinute == 20_000 && perDay == 20_000)
        try await store.mergeStagedEvents()
        #expect(try await Self.count(store, "events") == 20_000)
        #expect(try await Self.count(store, "event_uuids") == 20_000)
        #expect(try await Self.count(store, "events_staged") == 0)
    }

    @Test func aFullLogIsMergedInSlicesBetweenCommits() async throws {
        let store = try Self.sliced(try StoreBackend.temporaryPath(), slice: 1_000, limit: 10_000)
        try await Self.ingest(ConcurrentAccessTests.events("h", 10_000), into: store, by: 500)
        // The merge runs after the commit that reached the limit, once its caller was answered.
        for _ in 0..<3_000 where store.merging.load(ordering: .acquiring) || store.stagedCount.load(ordering: .acquiring) >= 10_000 {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(try await Self.count(store, "events_staged") == 0)
        #expect(try await Self.count(store, "merge_progress") == 0)
        #expect(try await Self.count(store, "events") == 10_000)
        #expect(try await store.eventCount() == 10_000)
    }

    /// Once both sweeps are done, the merged rows leave the log four slices' worth at a time; rows staged meanwhile
    /// get rowids above the merge's and stay pending, read once, and are never removed with the merged ones.
    @Test func mergedRowsLeaveTheLogInSlicesAndRowsStagedMeanwhileStayPending() async throws {
        let store = try Self.sliced(try StoreBackend.temporaryPath(), slice: 1_000)
        let events = ConcurrentAccessTests.events("m", 12_000)
        for start in stride(from: 0, to: 8_000, by: 1_000) { _ = try await store.ingest(Array(events[start..<start + 1_000])) }
        for _ in 0..<8 { #expect(try await store.mergeStep(1_000).moved == 2_000) }
        #expect(try await Self.count(store, "events") == 8_000)
        #expect(try await Self.count(store, "events_staged") == 8_000)
        #expect(try await Self.count(store, "events_pending") == 0)
        #expect(try await store.eventCount() == 8_000)

        #expect(try await store.mergeStep(1_000) == .init(moved: 0, finished: false, removed: 4_000))
        #expect(try await Self.count(store, "events_staged") == 4_000)
        #expect(store.stagedCount.load(ordering: .acquiring) == 4_000)
        #expect(try await store.ingest(Array(events[8_000..<12_000])).stored == 4_000)
        #expect(try await Self.count(store, "events_pending") == 4_000)
        #expect(try await store.eventCount() == 12_000)

        #expect(try await store.mergeStep(1_000) == .init(moved: 0, finished: true, removed: 4_000))
        #expect(try await Self.count(store, "merge_progress") == 0)
        #expect(try await Self.count(store, "events_staged") == 4_000, "the rows staged during the removal stay")
        #expect(try await store.eventCount() == 12_000)
        #expect(try await store.ingest(events).duplicates == 12_000)
        try await store.mergeStagedEvents()
        #expect(try await Self.count(store, "events") == 12_000)
        #expect(try await Self.count(store, "events_staged") == 0)
        #expect(store.stagedCount.load(ordering: .acquiring) == 0)
    }

    /// The group commit's merge has its plan sorted in the background: the slice that needs it returns at once, and
    /// commits go on meanwhile; the next slice uses the plan.
    @Test func aPlanSortedInTheBackgroundHoldsNoCommit() async throws {
        let store = try Self.sliced(try StoreBackend.temporaryPath(), slice: 1_000)
        let events = ConcurrentAccessTests.events("p", 5_500)
        for start in stride(from: 0, to: 5_000, by: 1_000) { _ = try await store.ingest(Array(events[start..<start + 1_000])) }
        #expect(try await store.mergeStep(1_000, planInBackground: true) == .init(moved: 0, finished: false, planning: true))
        #expect(try await store.ingest(Array(events[5_000..<5_500])).stored == 500)
        for _ in 0..<3_000 where store.planning.load(ordering: .acquiring) || store.mergePlan.withLock({ $0 == nil }) {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(try await store.mergeStep(1_000, planInBackground: true) == .init(moved: 2_000, finished: false))
        try await store.mergeStagedEvents()
        #expect(try await Self.count(store, "events") == 5_500)
        #expect(try await store.eventCount() == 5_500)
    }

    /// While a reset of the write-ahead log holds this process's reads back (``ReadGate``, closed until the reads in
    /// progress end: an analysis's pass over a shard can take seconds), commits go on, and so does the merge's work
    /// between them: the writer's maintenance reads the merge's progress on the writer's connection, not through the
    /// gate. Before, each slice's first read waited at the gate, and every ingest queued behind it (the soak's event
    /// batches took up to 2.6 s during an analysis).
    @Test func commitsAndTheMergeGoOnWhileReadsAreHeldBack() async throws {
        let store = try Self.sliced(try StoreBackend.temporaryPath(), slice: 500, limit: 2_000)
        let events = ConcurrentAccessTests.events("g", 5_000)
        try await Self.ingest(Array(events[0..<1_500]), into: store, by: 500)
        store.readGate.close()
        // The commit that reaches the limit starts a merge after it is answered; the batches after it wait for that.
        let ingesting = Task { try await Self.ingest(Array(events[1_500..<4_000]), into: store, by: 500) }
        let start = ContinuousClock.now
        while !store.merging.load(ordering: .acquiring) || store.stagedCount.load(ordering: .acquiring) < 4_000,
            ContinuousClock.now - start < .seconds(300)
        {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(store.stagedCount.load(ordering: .acquiring) == 4_000, "every batch committed while reads were held back (a bound on hanging, not a speed)")
        #expect(try await store.readOnWriter("testing") { db in try MergeProgress.fetch(db) } != nil, "a merge started")
        store.readGate.open()
        try await ingesting.value
        #expect(try await store.ingest(Array(events[4_000..<5_000])).stored == 1_000)
        try await Self.waitForTheMerge(of: store)
        #expect(try await store.eventCount() == 5_000)
        #expect(try await store.ingest(events).duplicates == 5_000)
    }

    /// A merge paced by the commits is owed a slice only per commit of enough events; once ingest stops, it goes on
    /// by itself (the queue is nudged when no commit came for a while) until every staged event is merged.
    @Test func onceIngestStopsTheMergeFinishesWithoutAnotherCommit() async throws {
        let store = try Self.sliced(try StoreBackend.temporaryPath(), slice: 500, limit: 2_000)
        try await Self.ingest(ConcurrentAccessTests.events("i", 6_000), into: store, by: 100)
        // Commits of 100 events each are owed 125 events of merge apiece: most of the merge is left for the idle time.
        try await Self.waitForTheMerge(of: store)
        #expect(try await Self.count(store, "events_staged") == 0, "the merge stopped with the commits")
        #expect(try await Self.count(store, "events") == 6_000)
        #expect(try await store.eventCount() == 6_000)
    }

    /// With ``SQLiteEventStore/Configuration/mergeWhenIdleAfter`` (`rampart serve`: 2 s), what is staged below the
    /// limit is merged once ingest has been quiet that long, without another commit; without it, the rows stay.
    @Test(arguments: [true, false])
    func aQuietStoreMergesWhatIsStagedBelowTheLimit(quietMerge: Bool) async throws {
        var configuration = SQLiteEventStore.Configuration(stagedEventLimit: 1_000_000)
        configuration.mergeSliceEvents = 500
        configuration.mergeWhenIdleAfter = quietMerge ? .milliseconds(300) : nil
        let store = try SQLiteEventStore(path: try StoreBackend.temporaryPath(), configuration: configuration)
        let events = ConcurrentAccessTests.events("q", 3_000)
        try await Self.ingest(events, into: store, by: 100)
        if quietMerge {
            try await Self.waitForTheMerge(of: store)
            #expect(try await Self.count(store, "events_staged") == 0)
            #expect(try await Self.count(store, "events") == 3_000)
            #expect(try await Self.count(store, "event_uuids") == 3_000)
        } else {
            try await Task.sleep(for: .milliseconds(900))
            #expect(try await Self.count(store, "events_staged") == 3_000)
            #expect(try await Self.count(store, "events") == 0)
        }
        #expect(try await store.eventCount() == 3_000)
        #expect(try await store.ingest(events).duplicates == 3_000)
    }

    /// A background plan read that fails leaves the merge under way with no plan; with no commit to follow, it is
    /// tried again ``SQLiteEventStore/planRetryAfter`` later, and the rows are merged (before, they stayed staged
    /// until the next commit). Meanwhile every event is read once.
    @Test func aFailedPlanReadIsTriedAgainWithoutAnotherCommit() async throws {
        var configuration = SQLiteEventStore.Configuration(stagedEventLimit: 1_000_000)
        configuration.mergeSliceEvents = 500
        configuration.mergeWhenIdleAfter = .milliseconds(300)
        let store = try SQLiteEventStore(path: try StoreBackend.temporaryPath(), configuration: configuration)
        store.failingPlanReads.store(2, ordering: .releasing)
        let events = ConcurrentAccessTests.events("f", 3_000)
        try await Self.ingest(events, into: store, by: 100)
        let ingested = ContinuousClock.now
        while store.failingPlanReads.load(ordering: .acquiring) > 0, ContinuousClock.now - ingested < .seconds(60) {
            try await Task.sleep(for: .milliseconds(10))
        }
        try #require(store.failingPlanReads.load(ordering: .acquiring) == 0, "the quiet merge tried to plan twice")
        #expect(try await store.eventCount() == 3_000)
        try await Self.waitForTheMerge(of: store, from: ingested)
        #expect(try await Self.count(store, "events_staged") == 0)
        #expect(try await Self.count(store, "events") == 3_000)
        #expect(try await Self.count(store, "event_uuids") == 3_000)
        #expect(try await store.ingest(events).duplicates == 3_000)
    }

    /// Rows staged while a quiet merge runs get rowids after the last one it takes, so they are still staged when it
    /// ends; they are merged once ingest is quiet again, without another commit (a loaded CI once paused 300 ms in
    /// the middle of an ingest, and the rest of it stayed staged).
    @Test func rowsStagedDuringAQuietMergeAreMergedAfterIt() async throws {
        var configuration = SQLiteEventStore.Configuration(stagedEventLimit: 1_000_000)
        // 800 slices of moves and 200 of removals: long enough to ingest during (1-4 s here, where the second ingest
        // takes 20 ms), short enough for a loaded CI (a CI run failed this test with 2,500 slices; its output was cut,
        // and running out of the old 30 s wait is the likely cause).
        configuration.mergeSliceEvents = 25
        configuration.mergeWhenIdleAfter = .milliseconds(300)
        // The scenario needs the second ingest to come while the quiet merge is under way. On a loaded machine the
        // merge can be over before this test sees it start; that setup is tried again, on a new store, up to three
        // times (a CI run once found the merge already removing its rows when it looked).
        for attempt in 1...3 {
            let store = try SQLiteEventStore(path: try StoreBackend.temporaryPath(), configuration: configuration)
            let events = ConcurrentAccessTests.events("d\(attempt)", 21_000)
            try await Self.ingest(Array(events[..<20_000]), into: store, by: 1_000)
            // The quiet merge is under way (its first slices moved): the last rowid it takes is recorded.
            let started = ContinuousClock.now
            while try await Self.count(store, "events") == 0, ContinuousClock.now - started < .seconds(60) {
                try await Task.sleep(for: .milliseconds(2))
            }
            try #require(try await Self.count(store, "events") > 0, "the quiet merge started")
            guard store.merging.load(ordering: .acquiring) else { continue }
            try await Self.ingest(Array(events[20_000...]), into: store, by: 100)
            // The waits end as soon as their condition holds; their bounds are for a loaded machine.
            try await Self.waitForTheMerge(of: store, within: .seconds(120))
            #expect(try await Self.count(store, "events_staged") == 0)
            #expect(try await Self.count(store, "events") == 21_000)
            #expect(try await Self.count(store, "event_uuids") == 21_000)
            #expect(try await store.eventCount() == 21_000)
            return
        }
        Issue.record("the quiet merge was over before the second ingest in all three attempts")
    }

    /// Events an earlier process left staged are merged once a store opened with `mergeWhenIdleAfter` has been quiet
    /// that long, though it stores nothing itself.
    @Test func eventsLeftStagedAreMergedByTheNextQuietStore() async throws {
        let path = try StoreBackend.temporaryPath()
        let events = ConcurrentAccessTests.events("l", 2_000)
        do {
            let earlier = try Self.sliced(path)
            try await Self.ingest(events, into: earlier, by: 100)
            #expect(try await Self.count(earlier, "events_staged") == 2_000)
        }
        var configuration = SQLiteEventStore.Configuration(stagedEventLimit: 1_000_000)
        configuration.mergeSliceEvents = 500
        configuration.mergeWhenIdleAfter = .milliseconds(200)
        let store = try SQLiteEventStore(path: path, configuration: configuration)
        try await Self.waitForTheMerge(of: store)
        #expect(try await Self.count(store, "events_staged") == 0)
        #expect(try await Self.count(store, "events") == 2_000)
        #expect(try await store.ingest(events).duplicates == 2_000)
    }

    /// Under sustained concurrent ingest the merge keeps pace with the commits (``MergePacing``: each transaction
    /// owes 1.25 times its events, times the limits staged), so the staging log stays bounded instead of growing by
    /// each transaction's excess over what the merge moves.
    @Test func theMergeKeepsPaceWithSustainedIngest() async throws {
        var configuration = SQLiteEventStore.Configuration(stagedEventLimit: 2_000)
        configuration.mergeSliceEvents = 250
        let store = try SQLiteEventStore(path: try StoreBackend.temporaryPath(), configuration: configuration)
        let events = ConcurrentAccessTests.events("k", 192_000)
        let most = try await withThrowingTaskGroup(of: Int.self) { group in
            for client in 0..<16 {
                group.addTask {
                    var most = 0
                    for start in stride(from: client * 12_000, to: (client + 1) * 12_000, by: 250) {
                        _ = try await store.ingest(Array(events[start..<start + 250]))
                        most = max(most, store.stagedCount.load(ordering: .acquiring))
                    }
                    return most
                }
            }
            return try await group.reduce(0, max)
        }
        // Paced, the log stayed at 20,000-35,000 here (debug build; 19,750 and 27,750 with MergePacing); at one slice
        // per transaction it took in up to 4,000 events and moved 250, and held 188,250 of the 192,000 at its peak.
        #expect(most <= 80_000, "at most \(most) staged: the merge fell behind the commits")
        #expect(try await store.eventCount() == 192_000)
    }
}
