import Foundation
import Testing
import RampartCore
import RampartStore

/// `rampart migrate-store`'s copy (``StoreMigration``), between every pair of backends.
@Suite("Store transfer")
struct StoreTransferTests {
    /// Source and target backends: each kind once as a source and once as a target.
    static var pairs: [(StoreBackend, StoreBackend)] {
        StoreBackend.postgresURL == nil
            ? [(.sqliteFile, .sqliteInMemory), (.sqliteInMemory, .sqliteFile)]
            : [(.sqliteFile, .postgres), (.postgres, .sqliteInMemory), (.sqliteInMemory, .sqliteFile)]
    }

    static let scope = ExperimentScope(key: "exp", phase: 0)
    static let queries = [
        MetricQuery(event: "llm_request_completed", value: "latency_ms"),
        MetricQuery(event: "llm_task_completed", filter: ["task_completed": true], aggregation: .indicator),
        MetricQuery(event: "llm_request_completed", value: "tip"),
        MetricQuery(event: "support_ticket_resolved", aggregation: .indicator),
    ]

    /// Events of every shape: exposures in two phases and to two variants (some units to both), typed columns of
    /// every storage class including booleans, unknown properties (nested too), and times with milliseconds.
    static func events(count: Int, seed: UInt64) -> [Event] {
        var random = TestRandom(state: seed)
        var events: [Event] = []
        for i in 0..<count {
            let unit = "user-\(random.int(0..<200))"
            let seconds = Double(random.int(0..<86_400 * 5)) + Double(random.int(0..<1000)) / 1000
            switch i % 5 {
            case 0:
                events.append(exposure(unit, seconds, random.int(0..<10) < 5 ? "control" : "treatment", phase: random.int(0..<10) == 0 ? 1 : 0, id: random.uuid()))
            case 1:
                events.append(event("llm_request_completed", unit, seconds, [
                    "latency_ms": .number(Double(random.int(50..<5000)) + 0.25), "input_tokens": .number(Double(random.int(1..<900))),
                    "model": "gpt-x", "error_type": "none", "tip": .number(Double(random.int(0..<3))), "nested": .object(["a": .array([1, "b", true])]),
                ], id: random.uuid()))
            case 2:
                events.append(event("llm_task_completed", unit, seconds, ["task_completed": .bool(random.int(0..<2) == 0), "escalated_to_human": false], id: random.uuid()))
            case 3:
                events.append(event("support_ticket_resolved", unit, seconds, id: random.uuid()))
            default:
                events.append(event("page_viewed", unit, seconds, ["path": "/help", "trace_id": .string("t\(i)")], id: random.uuid()))
            }
        }
        return events
    }

    /// A source with events, a rollout changed twice through the API (audited), and two keys.
    static func source(_ backend: StoreBackend, unitIdHashKey: [UInt8]? = nil) async throws -> (store: any ValueDistributionStore & ControlStore, events: [Event]) {
        let store = try await backend.make(unitIdHashKey: unitIdHashKey)
        let events = Self.events(count: 3_000, seed: 11)
        _ = try await store.ingest(events)
        try await store.seed([ControlStoreTests.experiment()])
        var state = try #require(try await store.rollout("demo"))
        for step in 1...2 {
            let before = state.summary
            state.experiment.coverage = [0.01, 0.05, 1][step]
            state.stageIndex = step
            state.stageStartedAt = at(Double(step) * 3600 + 0.123)
            state.revision += 1
            try await store.save(state, audit: AuditEntry(experiment: "demo", action: "advance", actor: "maria", at: at(Double(step) * 3600 + 0.123), from: before, to: state.summary, verdict: "ADVANCE", reason: "clean \(step)", forced: step == 2))
        }
        try await store.insertKey(APIKey.generate(scope: .sdk, name: "checkout").key)
        try await store.insertKey(APIKey.generate(scope: .viewer, name: "pm").key)
        return (store, events)
    }

    /// Everything a report reads, from a store.
    static func analysis(_ store: any ValueDistributionStore) async throws -> [AnyHashable] {
        var out: [AnyHashable] = [try await store.eventCount()]
        for scope in [scope, ExperimentScope(key: "exp", phase: 1)] {
            out.append(try await store.attribution(scope))
            for query in queries { out.append(try await store.statistics(query, in: scope)) }
            out.append(try await store.quantileStatistics(queries[0], level: 0.95, in: scope))
            out.append(try await store.jointStatistics(queries[2], queries[0], in: scope))
        }
        return out
    }

    /// Each part of ``analysis(_:)`` equal, named when it is not.
    static func expectSameAnalysis(_ target: any ValueDistributionStore, _ source: any ValueDistributionStore) async throws {
        let (copied, original) = (try await analysis(target), try await analysis(source))
        for (part, (a, b)) in zip(copied, original).enumerated() { #expect(a == b, "part \(part)") }
    }

    @Test(arguments: pairs)
    func aCopyGivesTheSameAnalysisAndControlPlaneAndASecondCopyChangesNothing(_ from: StoreBackend, _ to: StoreBackend) async throws {
        let (source, events) = try await Self.source(from)
        let target = try await to.make()
        let migration = StoreMigration(from: try #require(source as? any StoreTransfer & EventStore), to: try #require(target as? any StoreTransfer), pageSize: 700)
        let pages = Pages()
        let first = try await migration.run { pages.record($0) }
        #expect(first.events.read == events.count && first.events.stored == events.count && first.events.duplicates == 0 && first.events.rejected == 0)
        #expect(first.events.total == events.count)
        #expect(pages.count == (events.count + 699) / 700, "one progress call per page")
        #expect(first.rolloutsWritten == 1 && first.auditAppended == 3 && first.keysInserted == 2)

        try await Self.expectSameAnalysis(target, source)
        #expect(try await target.rollouts() == source.rollouts())
        #expect(try await target.auditEntries("demo").map(\.reason) == source.auditEntries("demo").map(\.reason))
        #expect(try await target.apiKeys().map(\.hash).sorted { $0.lexicographicallyPrecedes($1) } == source.apiKeys().map(\.hash).sorted { $0.lexicographicallyPrecedes($1) })
        let exported = try await (target as! any StoreTransfer).exportControl()
        let original = try await (source as! any StoreTransfer).exportControl()
        #expect(exported.rollouts == original.rollouts, "file bases and times copied as stored")

        let second = try await migration.run()
        #expect(second.events.stored == 0 && second.events.duplicates == events.count)
        #expect(second.rolloutsWritten == 0 && second.rolloutsUnchanged == 1 && second.auditAppended == 0 && second.keysInserted == 0 && second.keysPresent == 2)
        #expect(try await target.eventCount() == events.count)
        #expect(try await target.auditEntries("demo").count == 3)
    }

    @Test(arguments: pairs)
    func hashedUnitKeysAreCopiedAsStoredNotHashedAgain(_ from: StoreBackend, _ to: StoreBackend) async throws {
        let (source, events) = try await Self.source(from, unitIdHashKey: Array("secret".utf8))
        // The target hashes too, as the service that will use it would.
        let target = try await to.make(unitIdHashKey: Array("secret".utf8))
        _ = try await StoreMigration(from: source as! any StoreTransfer & EventStore, to: target as! any StoreTransfer).run()
        try await Self.expectSameAnalysis(target, source)
        // A new event for a copied unit, through the target's own ingest, joins that unit's exposure.
        let phase0 = events.filter { $0.name == EventName.exposure && $0.properties["phase"] == nil }
        let unit = try #require(Dictionary(grouping: phase0, by: \.unit).first { Set($0.value.map { $0.properties["variant"] }).count == 1 }?.key, "a unit exposed to one variant")
        _ = try await target.ingest([event("joined", unit, 86_400 * 6)])
        let joined = try await target.statistics(MetricQuery(event: "joined", aggregation: .indicator), in: Self.scope)
        #expect(joined.variants.values.map(\.sum).reduce(0, +) == 1, "the unit's hashed key matches the copied one")
    }

    @Test(arguments: pairs)
    func aCopyAfterMoreChangesCatchesUpAndATargetChangedOnItsOwnIsNotOverwritten(_ from: StoreBackend, _ to: StoreBackend) async throws {
        let (source, _) = try await Self.source(from)
        let target = try await to.make()
        let migration = StoreMigration(from: source as! any StoreTransfer & EventStore, to: target as! any StoreTransfer)
        _ = try await migration.run()

        // The source moves on (new events, a rollback): a second copy brings the target up to date.
        var state = try #require(try await source.rollout("demo"))
        let before = state.summary
        state.experiment.coverage = 0.01
        state.stageIndex = 0
        state.revision += 1
        try await source.save(state, audit: AuditEntry(experiment: "demo", action: "rollback", actor: "li", at: at(9000), from: before, to: state.summary, verdict: "ROLL_BACK", reason: "errors", forced: false))
        _ = try await source.ingest(Self.events(count: 100, seed: 99))
        let catchUp = try await migration.run()
        #expect(catchUp.events.stored == 100 && catchUp.rolloutsWritten == 1 && catchUp.auditAppended == 1)
        #expect(try await target.rollout("demo") == source.rollout("demo"))
        try await Self.expectSameAnalysis(target, source)

        // The target is changed on its own: the next copy refuses to overwrite it and names the experiment.
        var own = try #require(try await target.rollout("demo"))
        own.experiment.coverage = 0.05
        own.stageIndex = 1
        own.revision += 1
        try await target.save(own, audit: nil)
        await #expect(throws: RampartError.self) { try await migration.run() }
        do {
            _ = try await migration.run()
        } catch let error as RampartError {
            #expect(error.code == .conflict && error.message.contains("'demo'"))
        }
        #expect(try await target.rollout("demo") == own)
    }
}

/// Counts progress calls.
final class Pages: @unchecked Sendable {
    private let lock = NSLock()
    private var calls = 0
    var count: Int { lock.withLock { calls } }
    func record(_ progress: StoreMigration.Progress) { lock.withLock { calls += 1 } }
}
