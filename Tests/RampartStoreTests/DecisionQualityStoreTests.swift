import Foundation
import Testing
import RampartCore
@testable import RampartStore

/// Served vs. ran and metric examples (``DecisionQualityStore``), on every backend.
@Suite struct DecisionQualityStoreTests {
    let scope = ExperimentScope(key: "exp")

    func quality(_ store: any ValueDistributionStore & ControlStore) throws -> any DecisionQualityStore {
        try #require(store as? any DecisionQualityStore)
    }

    func request(_ name: String, _ unit: String, _ seconds: Double, version: String?, model: String?, trace: String? = nil, latency: Double? = nil) -> Event {
        var p: [String: JSONValue] = [:]
        if let version { p["prompt_version_id"] = .string(version) }
        if let model { p["model"] = .string(model) }
        if let trace { p["trace_id"] = .string(trace) }
        if let latency { p["latency_ms"] = .number(latency) }
        return event(name, unit, seconds, p)
    }

    /// Shards of 2 unit ids: PostgreSQL reads 5 shards on 2 connections and adds their counts up.
    @Test(arguments: StoreBackend.allCases, [1 << 17, 2])
    func ranVersionsCountAttributedLLMEventsPerVariantVersionAndModel(_ backend: StoreBackend, shardUnits: Int) async throws {
        let store = try await backend.make(shardUnits: shardUnits)
        var events: [Event] = []
        for u in 1...4 { events.append(exposure("c\(u)", 0, "control")) }
        for u in 1...4 { events.append(exposure("t\(u)", 0, "treatment")) }
        events.append(exposure("m1", 0, "control"))
        events.append(exposure("m1", 1, "treatment"))  // several variants: excluded
        for u in 1...4 {
            events.append(request("llm_request_started", "c\(u)", 10, version: "pv_c", model: "m"))
            events.append(request("llm_request_completed", "c\(u)", 11, version: "pv_c", model: "m"))
            events.append(request("llm_task_completed", "t\(u)", 12, version: u == 4 ? "pv_c" : "pv_t", model: "m"))
        }
        events.append(request("llm_request_completed", "t1", 13, version: nil, model: "m2"))
        // The same version with another model, then the first again, on one unit.
        events.append(request("llm_request_started", "t4", 16, version: "pv_t", model: "m3"))
        events.append(request("llm_request_started", "t4", 17, version: "pv_t", model: "m"))
        events.append(request("llm_request_completed", "t1", -5, version: "pv_before", model: "m"))  // before exposure
        events.append(request("llm_request_completed", "t2", 500, version: "pv_late", model: "m"))  // after as_of
        events.append(request("llm_request_completed", "t3", 14, version: nil, model: nil))  // names neither
        events.append(request("support_ticket_resolved", "t3", 15, version: "pv_x", model: "m"))  // not an LLM event
        events.append(request("llm_request_completed", "m1", 20, version: "pv_m", model: "m"))  // excluded unit
        // On SQLite half of them merged into `events`, half staged: reads take both.
        let half = events.count / 2
        _ = try await store.ingest(Array(events[..<half]))
        try await (store as? SQLiteEventStore)?.mergeStagedEvents()
        _ = try await store.ingest(Array(events[half...]))
        let rows = try await quality(store).ranVersions(in: ExperimentScope(key: "exp", asOf: at(100)))
        if let sqlite = store as? SQLiteEventStore {
            try await sqlite.mergeStagedEvents()
            #expect(try await quality(store).ranVersions(in: ExperimentScope(key: "exp", asOf: at(100))) == rows, "all merged")
        }
        #expect(rows == [
            RanVersionCount(variant: "control", promptVersionId: "pv_c", model: "m", events: 8),
            RanVersionCount(variant: "treatment", promptVersionId: "pv_t", model: "m", events: 4),
            RanVersionCount(variant: "treatment", promptVersionId: nil, model: "m2", events: 1),
            RanVersionCount(variant: "treatment", promptVersionId: "pv_c", model: "m", events: 1),
            RanVersionCount(variant: "treatment", promptVersionId: "pv_t", model: "m3", events: 1),
        ])
        let everything = try await quality(store).ranVersions(in: scope)
        #expect(everything.contains(RanVersionCount(variant: "treatment", promptVersionId: "pv_late", model: "m", events: 1)))
        #expect(try await quality(store).ranVersions(in: ExperimentScope(key: "other")).isEmpty)
    }

    /// The counts as of the end of yesterday are kept (PostgreSQL), and today's events added to them: equal to a store
    /// that keeps nothing and reads every event, after events of today, a unit that became multi-variant today (its
    /// events of yesterday leave the counts), a unit first exposed today and a late event dated yesterday (which
    /// makes the kept counts be read again).
    @Test(arguments: [StoreBackend.sqliteFile] + (StoreBackend.postgresURL == nil ? [] : [StoreBackend.postgres]))
    func ranVersionsKeptAsOfYesterdayPlusTodaysEventsEqualEveryEventRead(_ backend: StoreBackend) async throws {
        let keeping: any DecisionQualityStore & EventStore
        let reading: any DecisionQualityStore & EventStore
        var cache: PastAnalysisCache?
        switch backend {
        case .postgres:
            let url = try await PostgresEventStore.createScratchDatabase(on: StoreBackend.postgresURL!, prefix: "rampart_test")
            let postgres = try await PostgresEventStore(url: url, maximumConnections: 2, operationTimeout: StoreBackend.postgresTimeout)
            (keeping, cache) = (postgres, postgres.pastAnalyses)
            reading = try await PostgresEventStore(url: url, maximumConnections: 2, operationTimeout: StoreBackend.postgresTimeout, pastAnalyses: 0)
        default:
            let path = try StoreBackend.temporaryPath()
            keeping = try SQLiteEventStore(path: path, configuration: .init(cacheSizeMiB: 8))
            reading = try SQLiteEventStore(path: path, configuration: .init(cacheSizeMiB: 8, pastAnalyses: 0))
        }
        let today = Double(PastAnalysisCache.day(Int64(Date().timeIntervalSince1970 * 1000)) * PastAnalysisCache.dayMilliseconds) / 1000
        func on(_ seconds: Double, _ event: Event) -> Event { event.dated(Date(timeIntervalSince1970: today + seconds)) }
        func llm(_ name: String, _ unit: String, _ seconds: Double, _ version: String, _ model: String = "m") -> Event {
            on(seconds, request(name, unit, 0, version: version, model: model))
        }
        var events: [Event] = []
        for u in 1...3 {
            events.append(on(-7_200, exposure("c\(u)", 0, "control")))
            events.append(on(-7_200, exposure("t\(u)", 0, "treatment")))
            events.append(llm("llm_request_started", "c\(u)", -3_600, "pv_c"))
            events.append(llm("llm_request_completed", "t\(u)", -3_600, "pv_t"))
            events.append(llm("llm_request_completed", "t\(u)", 0.001 * Double(u), "pv_t", "m2"))  // today
        }
        events.append(on(-7_200, exposure("leaver", 0, "control")))
        events.append(llm("llm_request_started", "leaver", -3_600, "pv_leaver"))
        events.append(on(0.01, exposure("newcomer", 0, "treatment")))
        events.append(llm("llm_task_completed", "newcomer", -60, "pv_before"))  // before its exposure
        events.append(llm("llm_task_completed", "newcomer", 0.02, "pv_new"))
        _ = try await keeping.ingest(events)
        let scopes = [ExperimentScope(key: "exp"), ExperimentScope(key: "exp", asOf: Date(timeIntervalSince1970: today + 0.002))]
        func compare(_ what: String) async throws {
            for scope in scopes {
                let kept = try await keeping.ranVersions(in: scope)
                #expect(kept == (try await reading.ranVersions(in: scope)), "\(what), \(scope)")
                #expect(kept.contains { $0.promptVersionId == "pv_c" }, "\(what), \(scope)")
            }
        }
        try await compare("as stored")
        #expect(try await keeping.ranVersions(in: scopes[0]).contains { $0.promptVersionId == "pv_leaver" })
        try await compare("asked again")
        _ = try await keeping.ingest([on(0.005, exposure("leaver", 0, "treatment"))])
        try await compare("a unit became multi-variant today")
        #expect(!(try await keeping.ranVersions(in: scopes[0])).contains { $0.promptVersionId == "pv_leaver" })
        _ = try await keeping.ingest([llm("llm_request_started", "c1", -1_800, "pv_late")])
        try await compare("a late event dated yesterday")
        #expect(try await keeping.ranVersions(in: scopes[0]).contains { $0.promptVersionId == "pv_late" })
        _ = try await keeping.ingest([llm("llm_request_started", "c2", 0.003, "pv_today")])
        try await compare("another event of today")
        if let cache {
            // Read twice (first, and after the late event), answered from memory the eleven other times.
            #expect(cache.statistics == .init(hits: 11, misses: 2, kept: 2))
        }
    }

    /// Twelve units per variant; even units resolved a ticket; each request has a trace id and a latency.
    func examplesData() -> [Event] {
        var events: [Event] = []
        for u in 0..<24 {
            let unit = "u\(u)"
            let variant = u < 12 ? "control" : "treatment"
            events.append(exposure(unit, Double(u), variant))
            events.append(request("llm_request_started", unit, Double(u) + 1, version: "pv", model: "m", trace: "tr-\(u)-a"))
            events.append(request("llm_request_completed", unit, Double(u) + 2, version: "pv", model: "m", trace: "tr-\(u)-a", latency: Double(100 * u)))
            events.append(request("llm_request_completed", unit, Double(u) + 3, version: "pv", model: "m", trace: "tr-\(u)-b", latency: Double(100 * u + 50)))
            if u % 2 == 0 { events.append(event("support_ticket_resolved", unit, Double(u) + 4, u % 4 == 0 ? ["trace_id": .string("res-\(u)")] : [:])) }
        }
        events.append(event("support_ticket_resolved", "u1", 1_000))  // after the as-of moment below
        return events
    }

    @Test(arguments: StoreBackend.allCases)
    func examplesAreDeterministicAndCarryTraceIDs(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        _ = try await store.ingest(examplesData())
        let q = try quality(store)
        let asOf = ExperimentScope(key: "exp", asOf: at(500))
        let resolved = MetricQuery(event: "support_ticket_resolved", aggregation: .indicator)
        let order = { (units: [Int]) in units.map { "u\($0)" }.sorted { SQLiteEventStore.sampleOrder($0) < SQLiteEventStore.sampleOrder($1) } }

        let with = try await q.metricExamples(ExampleQuery(metric: resolved, variant: "control", selection: .withEvents, limit: 4), in: asOf)
        #expect(with.map(\.unit) == Array(order([0, 2, 4, 6, 8, 10]).prefix(4)))
        #expect(with.allSatisfy { $0.value == 1 })
        for x in with {
            let u = Int(x.unit.dropFirst())!
            // The resolution's own trace id when it has one, else the unit's first request's.
            #expect(x.traceID == (u % 4 == 0 ? "res-\(u)" : "tr-\(u)-a"))
        }
        let again = try await q.metricExamples(ExampleQuery(metric: resolved, variant: "control", selection: .withEvents, limit: 4), in: asOf)
        #expect(again == with)

        // u1 resolved only after the as-of moment: still without the outcome then.
        let without = try await q.metricExamples(ExampleQuery(metric: resolved, variant: "control", selection: .withoutEvents, limit: 10), in: asOf)
        #expect(without.map(\.unit) == order([1, 3, 5, 7, 9, 11]))
        #expect(without.allSatisfy { $0.value == 0 && $0.traceID == "tr-\(Int($0.unit.dropFirst())!)-a" })
        let withoutNow = try await q.metricExamples(ExampleQuery(metric: resolved, variant: "control", selection: .withoutEvents, limit: 10), in: scope)
        #expect(withoutNow.map(\.unit) == order([3, 5, 7, 9, 11]))

        let latency = MetricQuery(event: "llm_request_completed", value: "latency_ms")
        let slow = try await q.metricExamples(ExampleQuery(metric: latency, variant: "treatment", selection: .above(2_000), limit: 3), in: asOf)
        #expect(slow.map(\.value) == [2_350, 2_300, 2_250])
        #expect(slow.map(\.traceID) == ["tr-23-b", "tr-23-a", "tr-22-b"])
        #expect(slow.map(\.unit) == ["u23", "u23", "u22"])
        #expect(slow[0].at == at(26))

        #expect(try await q.metricExamples(ExampleQuery(metric: resolved, variant: "nobody", selection: .withEvents, limit: 3), in: asOf).isEmpty)
        await #expect(throws: RampartError.self) {
            try await q.metricExamples(ExampleQuery(metric: resolved, variant: "control", selection: .withEvents, limit: 0), in: asOf)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func examplesShowUnitIDsAsStored(_ backend: StoreBackend) async throws {
        let store = try await backend.make(unitIdHashKey: Array("secret".utf8))
        _ = try await store.ingest(examplesData())
        let found = try await quality(store).metricExamples(
            ExampleQuery(metric: MetricQuery(event: "support_ticket_resolved", aggregation: .indicator), variant: "treatment", selection: .withEvents, limit: 20),
            in: scope
        )
        #expect(found.count == 6)
        let hasher = UnitKeyHasher(key: Array("secret".utf8))
        #expect(Set(found.map(\.unit)) == Set([12, 14, 16, 18, 20, 22].map { hasher.hash("u\($0)") }))
        #expect(found.map(\.unit) == found.map(\.unit).sorted { SQLiteEventStore.sampleOrder($0) < SQLiteEventStore.sampleOrder($1) })
    }
}
