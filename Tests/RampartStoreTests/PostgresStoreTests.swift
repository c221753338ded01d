import Foundation
import RampartCore
@testable import RampartStore
import Testing

/// What only the PostgreSQL store has: its URL, its errors, migrations shared by processes, leases; and the
/// console's stores on every backend.
@Suite("PostgreSQL store")
struct PostgresStoreTests {
    static var server: String? { StoreBackend.postgresURL }

    @Test func urlsParseWithTheirTLSModeAndHideThePassword() throws {
        let location = try PostgresLocation(url: "postgres://rampart:s%40cret@db.example:6543/events?sslmode=require")
        #expect(location.host == "db.example" && location.port == 6543 && location.user == "rampart")
        #expect(location.password == "s@cret" && location.database == "events" && location.sslMode == "require")
        #expect(location.tlsConfiguration()?.required == true)
        #expect(!location.description.contains("cret"))
        #expect(try PostgresLocation(url: "postgresql://u@h/d").tlsConfiguration()?.required == false)
        #expect(try PostgresLocation(url: "postgres://u@h/d?sslmode=disable").tlsConfiguration() == nil)
        #expect(PostgresLocation.isURL("postgres://h/d") && !PostgresLocation.isURL("rampart.db"))
        #expect(throws: RampartError.self) { try PostgresLocation(url: "postgres://u@h/d?sslmode=sometimes") }
        #expect(throws: RampartError.self) { try PostgresLocation(url: "postgres:///d") }
    }

    /// A transaction's deadline answers on time even when the work ignores its cancellation (a connection request
    /// parked in the pool while the server restarts): the request gets its 503 and the service can shut down.
    @Test func theDeadlineAnswersWithoutWaitingForWorkThatIgnoresCancellation() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            _ = try await PostgresEventStore.within(.milliseconds(200), what: "a stuck write") {
                // Waits 300 s whatever its cancellation says, holding no thread (as a parked connection request).
                await withCheckedContinuation { (resume: CheckedContinuation<Void, Never>) in
                    DispatchQueue.global().asyncAfter(deadline: .now() + 300) { resume.resume() }
                }
                return 1
            }
            Issue.record("the stuck work's result was returned")
        } catch let error as RampartError {
            #expect(error.code == .storage && error.message.contains("a stuck write"))
        }
        // Well under the work's 300 s; generous because the whole suite shares two cores, and other tests keep its
        // cooperative threads busy for up to a minute at this point of the run (45–60 s measured).
        #expect(clock.now - start < .seconds(150))
        #expect(try await PostgresEventStore.within(.seconds(5), what: "a quick write") { 7 } == 7)
    }

    @Test func anUnreachableServerIsAClearErrorNamingTheHost() async throws {
        let closed = try Self.closedPort()
        do {
            _ = try await PostgresEventStore(url: "postgres://rampart:pw@127.0.0.1:\(closed)/events?sslmode=disable")
            Issue.record("connected to a closed port")
        } catch let error as RampartError {
            #expect(error.code == .storage)
            #expect(error.message.contains("127.0.0.1:\(closed)"), "\(error.message)")
            #expect(error.message.contains("cannot connect"), "\(error.message)")
        }
    }

    @Test(.enabled(if: server != nil)) func anUnknownDatabaseOrUserIsAClearError() async throws {
        var components = try #require(URLComponents(string: Self.server!))
        components.path = "/no_such_database_here"
        do {
            _ = try await PostgresEventStore(url: components.string!)
            Issue.record("opened a database that does not exist")
        } catch let error as RampartError {
            #expect(error.message.contains("no_such_database_here"), "\(error.message)")
            #expect(error.message.contains("does not exist"), "\(error.message)")
        }
        components.path = "/postgres"
        components.user = "nobody_here"
        do {
            _ = try await PostgresEventStore(url: components.string!)
            Issue.record("connected as a role that does not exist")
        } catch let error as RampartError {
            #expect(error.message.contains("nobody_here"), "\(error.message)")
        }
    }

    /// Replicas starting together: the migrations run once, under the advisory lock, and both stores work.
    @Test(.enabled(if: server != nil)) func replicasStartingTogetherMigrateOnce() async throws {
        let url = try await PostgresEventStore.createScratchDatabase(on: Self.server!, prefix: "rampart_test")
        let stores = try await withThrowingTaskGroup(of: PostgresEventStore.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresEventStore(url: url, maximumConnections: 2, operationTimeout: StoreBackend.postgresTimeout) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let applied = try await stores[0].appliedMigrations()
        #expect(applied.count == PostgresEventStore.migrations.count)
        #expect(Set(applied) == Set(PostgresEventStore.migrations.map(\.name)))
        _ = try await stores[1].ingest([exposure("u1", 0, "control")])
        #expect(try await stores[2].attribution(ExperimentScope(key: "exp")).enrolled == ["control": 1])
    }

    @Test(.enabled(if: server != nil)) func aLeaseHasOneHolderUntilItExpires() async throws {
        let store = try #require(try await StoreBackend.postgres.make() as? PostgresEventStore)
        // Long leases for the exclusivity checks (the machine may be slow); a short one for the expiry.
        #expect(try await store.acquireLease("autopilot", holder: "a", duration: 60))
        #expect(try await !store.acquireLease("autopilot", holder: "b", duration: 60))
        #expect(try await store.acquireLease("autopilot", holder: "a", duration: 60))
        #expect(try await store.acquireLease("other", holder: "b", duration: 60))
        #expect(try await store.acquireLease("short", holder: "a", duration: 0.2))
        try await Task.sleep(for: .milliseconds(700))
        #expect(try await store.acquireLease("short", holder: "b", duration: 60))
        #expect(try await !store.acquireLease("short", holder: "a", duration: 60))
    }

    /// Reads plan without nested loops and JIT, on the analysis's own connection and on the helpers that share its
    /// snapshot; writes keep the server's defaults. Tables that autovacuum has not analysed yet (just after an
    /// ingest) otherwise get nested loops comparing every event with every exposure.
    @Test(.enabled(if: server != nil)) func readsPlanWithoutNestedLoopsOrJIT() async throws {
        let store = try #require(try await StoreBackend.postgres.make() as? PostgresEventStore)
        let settings = "SELECT current_setting('enable_nestloop'), current_setting('jit')"
        let read = try await store.read("reading the settings") { c in
            try await store.rows(PostgresEventStore.Statement(settings), on: c)[0].decode((String, String).self)
        }
        #expect(read == ("off", "off"))
        let write = try await store.transaction("reading the settings outside a read") { c in
            try await store.rows(PostgresEventStore.Statement(settings), on: c)[0].decode((String, String).self)
        }
        #expect(write.0 == "on")
    }

    @Test(arguments: StoreBackend.allCases)
    func consoleSessionsExpireAndEnd(_ backend: StoreBackend) async throws {
        let store = try #require(try await backend.make() as? any SessionStore)
        let now = Date(timeIntervalSince1970: 1_780_000_000)
        let session = ConsoleSession(tokenHash: [1, 2, 3], keyName: "ops", scope: .admin, keyPrefix: "rk_admin_abc", createdAt: now, expiresAt: now + 60)
        try await store.insertSession(session)
        #expect(try await store.session(tokenHash: [1, 2, 3], now: now + 1) == session)
        #expect(try await store.session(tokenHash: [1, 2, 3], now: now + 61) == nil)
        #expect(try await store.deleteExpiredSessions(now: now + 30) == 0)
        try await store.deleteSession(tokenHash: [1, 2, 3])
        #expect(try await store.session(tokenHash: [1, 2, 3], now: now + 1) == nil)
    }

    @Test(arguments: StoreBackend.allCases)
    func ingestHealthCountsEventsExposuresAndRejections(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let health = try #require(store as? any IngestHealthStore)
        _ = try await store.ingest([
            exposure("u1", 0, "control"), exposure("u1", 5, "control"), exposure("u2", 70, "treatment"),
            event("a", "u1", 10), event("a", "u2", 80),
        ])
        let t0 = Date(timeIntervalSince1970: 1_780_000_000)
        let buckets = try await health.eventCounts(since: t0 - 3600, until: t0 + 3600, bucketSeconds: 3600)
        #expect(buckets.map(\.count).reduce(0, +) == 5)
        let latest = try await health.latestEvents()
        #expect(latest.first { $0.name == "a" }?.total == 2)
        let exposures = try await health.exposureCounts()
        #expect(exposures.map(\.units) == [2] && exposures.map(\.exposures) == [3] && exposures.map(\.experiment) == ["exp"])
        try await health.recordRejections([
            RecordedRejection(at: t0, index: 0, field: "unit", reason: "must not be empty", source: "POST /events"),
            RecordedRejection(at: t0 + 1, index: 3, field: "unit", reason: "must not be empty", source: "POST /events"),
        ])
        #expect(try await health.recentRejections(limit: 1).map(\.index) == [3])
        #expect(try await health.rejectionCounts(since: t0 - 1).map(\.count) == [2])
    }

    static func closedPort() throws -> Int {
        // A port nothing listens on: bind one, note it, close it.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
