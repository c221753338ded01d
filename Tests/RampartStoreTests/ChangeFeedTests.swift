import Foundation
import Synchronization
import Testing
import RampartCore
import RampartStore

/// PostgreSQL's change feed (LISTEN/NOTIFY): a change made through one store instance (another replica) reaches a
/// listener on another at once.
@Suite("Change feed")
struct ChangeFeedTests {
    static let server = StoreBackend.postgresURL

    @Test(.enabled(if: server != nil))
    func aRolloutOrKeyChangedThroughAnotherInstanceIsAnnounced() async throws {
        let url = try await PostgresEventStore.createScratchDatabase(on: try #require(Self.server), prefix: "rampart_feed")
        let listener = try await PostgresEventStore(url: url, maximumConnections: 1, operationTimeout: StoreBackend.postgresTimeout)
        let writer = try await PostgresEventStore(url: url, maximumConnections: 1, operationTimeout: StoreBackend.postgresTimeout)
        let calls = Mutex(0)
        let listening = Task { try await listener.listenForChanges { calls.withLock { $0 += 1 } } }
        defer { listening.cancel() }
        try await Self.waitFor("the call made once connected") { calls.withLock { $0 } >= 1 }
        let connected = calls.withLock { $0 }

        try await writer.seed([ControlStoreTests.experiment()])
        try await Self.waitFor("a seeded experiment") { calls.withLock { $0 } > connected }
        let afterSeed = calls.withLock { $0 }

        try await writer.insertKey(APIKey.generate(scope: .viewer, name: "pm").key)
        try await Self.waitFor("a new key") { calls.withLock { $0 } > afterSeed }
        let afterKey = calls.withLock { $0 }

        // A read announces nothing.
        _ = try await writer.rollouts()
        try await Task.sleep(for: .milliseconds(300))
        #expect(calls.withLock { $0 } == afterKey)

        listening.cancel()
        _ = try? await listening.value
        await listener.close()
        await writer.close()
    }

    static func waitFor(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("no announcement of \(what) within 120 s (a bound on hanging: the parallel run can starve this task for a minute)")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
