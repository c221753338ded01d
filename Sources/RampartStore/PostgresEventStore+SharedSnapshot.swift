import Foundation
import PostgresNIO
import RampartCore
import Synchronization

extension PostgresEventStore {
    /// Runs read jobs on the transaction's connection and on up to ``analysisConnections`` − 1 more pooled
    /// connections, every one of them in the snapshot of `c`'s `REPEATABLE READ` transaction
    /// (`pg_export_snapshot()`, then `SET TRANSACTION SNAPSHOT` on the others), so that together they read one
    /// consistent state, as one connection would.
    ///
    /// Each connection takes the next job not taken yet. A helper that has not got a connection from the pool by
    /// the time every job is taken is abandoned (it gives its connection back unused), so that analyses never wait
    /// for each other's connections.
    ///
    /// - Parameters:
    ///   - jobs: The reads, each given the connection it runs on.
    ///   - c: A connection inside a `REPEATABLE READ` transaction.
    /// - Returns: The jobs' results, in the jobs' order.
    func sharingSnapshot<T: Sendable>(_ jobs: [@Sendable (PostgresConnection) async throws -> T], on c: PostgresConnection) async throws -> [T] {
        let helpers = min(analysisConnections, jobs.count) - 1
        let queue = SharedJobs(jobs)
        guard helpers > 0 else {
            try await queue.work(on: c)
            return try queue.results()
        }
        let snapshot = try await rows(Statement("SELECT pg_export_snapshot()"), on: c)[0].decode(String.self)
        guard snapshot.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
            throw RampartError(.storage, "internal: unexpected snapshot id '\(snapshot)'")
        }
        let started = (0..<helpers).map { _ in HelperFlag() }
        let tasks = started.map { state in
            Task<Void, any Error> {
                try await self.transaction("analysing on a helper connection", timeout: .seconds(600)) { connection in
                    let go = state.current.withLock { (s: inout HelperFlag.State) -> Bool in
                        guard s == .waiting else { return false }
                        s = .started
                        return true
                    }
                    guard go else { return }
                    _ = try await connection.query(PostgresQuery(unsafeSQL: "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"), logger: self.logger).collect()
                    _ = try await connection.query(PostgresQuery(unsafeSQL: "SET TRANSACTION SNAPSHOT '\(snapshot)'"), logger: self.logger).collect()
                    _ = try await connection.query(PostgresQuery(unsafeSQL: Self.readSettings), logger: self.logger).collect()
                    try await queue.work(on: connection)
                }
            }
        }
        var failure: (any Error)?
        do { try await queue.work(on: c) } catch { failure = error }
        for (task, state) in zip(tasks, started) {
            let abandoned = state.current.withLock { (s: inout HelperFlag.State) -> Bool in
                guard s == .waiting else { return false }
                s = .abandoned
                return true
            }
            if abandoned {
                task.cancel()
                continue
            }
            do { try await task.value } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
        return try queue.results()
    }
}

/// Whether a helper connection of ``PostgresEventStore/sharingSnapshot(_:on:)`` has started taking jobs.
final class HelperFlag: Sendable {
    enum State: Sendable { case waiting, started, abandoned }
    let current = Mutex<State>(.waiting)
}

/// The jobs of ``PostgresEventStore/sharingSnapshot(_:on:)``: the next one to take, and the results so far.
final class SharedJobs<T: Sendable>: Sendable {
    private let jobs: [@Sendable (PostgresConnection) async throws -> T]
    private let state: Mutex<(next: Int, failed: Bool, results: [T?])>

    init(_ jobs: [@Sendable (PostgresConnection) async throws -> T]) {
        self.jobs = jobs
        state = Mutex((0, false, Array(repeating: nil, count: jobs.count)))
    }

    /// Takes jobs and runs them on `connection` until none is left (or one has failed anywhere).
    func work(on connection: PostgresConnection) async throws {
        while let i = state.withLock({ s -> Int? in
            guard !s.failed, s.next < jobs.count else { return nil }
            s.next += 1
            return s.next - 1
        }) {
            do {
                let result = try await jobs[i](connection)
                state.withLock { $0.results[i] = result }
            } catch {
                state.withLock { $0.failed = true }
                throw error
            }
        }
    }

    /// The results, in the jobs' order.
    func results() throws -> [T] {
        try state.withLock { s in
            try s.results.map { result in
                guard let result else { throw RampartError(.storage, "internal: an analysis read did not finish") }
                return result
            }
        }
    }
}
