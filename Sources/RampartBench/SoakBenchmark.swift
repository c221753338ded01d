import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import RampartStore
import Synchronization

/// `rampart bench soak`'s workload: a `rampart serve` child process under mixed load (OFREP evaluations, event
/// batches, results requests) for a number of minutes, its resident memory sampled every second (printed every 10 s).
///
/// Holds when no request failed, every acknowledged event is stored, and the resident memory's level at the end is
/// within 10 % of its level after the first five minutes (or after half the run, for runs shorter than ten minutes).
/// A level is the median of the samples over a window (``MemorySeries``): the minute from the baseline on, and the
/// last minute (a quarter of the run each, for runs shorter than four minutes). The single samples at both points
/// are printed beside them, and so are the levels at rest (over the samples with no results request in flight
/// during their second), the share of samples taken during one, and the results requests' median duration in both
/// windows: an analysis takes and frees per-unit arrays and fills the readers' caches, and as the database grows it
/// takes longer, so more of the samples fall in one. The levels of the resident memory's parts come last
/// (``ProcessMemory``, and from the server's `/metrics` the allocator's memory in use and kept free and the SQLite
/// page caches of its writer and its readers). Last, the latencies of the OFREP evaluations and of the event
/// batches, at rest and during an analysis (``RequestLatencies``): whether a PM reading a report slows the hot path.
public struct SoakBenchmark: Sendable {
    /// The `rampart` executable to serve with.
    public var binary: String
    /// The experiments directory the server loads.
    public var experiments: String
    /// How long the load runs, in minutes.
    public var minutes: Double
    /// Events per second sent in batches of 500.
    public var eventsPerSecond = 10_000
    /// OFREP evaluations per second.
    public var evaluationsPerSecond = 200
    /// Seconds between results requests.
    public var reportEvery = 5.0

    public init(binary: String, experiments: String, minutes: Double) {
        self.binary = binary
        self.experiments = experiments
        self.minutes = minutes
    }

    /// Requests per kind, failures with their first messages.
    final class Tally: Sendable {
        struct State {
            var requests: [String: Int] = [:]
            var failures: [String: Int] = [:]
            var examples: [String] = []
            var eventsAcknowledged = 0
        }
        let state = Mutex(State())

        func record(_ kind: String, ok: Bool, detail: @autoclosure () -> String, events: Int = 0) {
            state.withLock { s in
                s.requests[kind, default: 0] += 1
                if ok {
                    s.eventsAcknowledged += events
                } else {
                    s.failures[kind, default: 0] += 1
                    if s.examples.count < 10 { s.examples.append("\(kind): \(detail())") }
                }
            }
        }
    }

    /// Runs the soak and prints the memory series and the summary; returns whether it held.
    public func run() async throws -> Bool {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-soak-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = 18_000 + Int.random(in: 0..<2_000)
        let sdk = "rk_sdk_soakbenchsoakbench0001", admin = "rk_admin_soakbenchsoakbench0001"
        let server = Process()
        server.executableURL = URL(fileURLWithPath: binary)
        server.arguments = ["serve", "--port", "\(port)", "--db", directory.appendingPathComponent("soak.db").path,
                            "--experiments", experiments, "--log-level", "warning"]
        server.environment = ProcessInfo.processInfo.environment.merging(["RAMPART_SDK_KEY": sdk, "RAMPART_ADMIN_KEY": admin]) { $1 }
        try server.run()
        defer { if server.isRunning { server.terminate() } }
        let base = "http://127.0.0.1:\(port)"
        let session = URLSession(configuration: .ephemeral)
        guard try await Self.waitHealthy(base, session: session) else { throw BenchFailure("soak: rampart serve did not start") }

        let tally = Tally()
        let seconds = minutes * 60
        let baselineAt = min(300, seconds / 2)
        let start = ContinuousClock.now
        let end = start + .seconds(seconds)
        print("rampart bench soak: \(binary) serve, \(minutes) min; \(eventsPerSecond) events/s in batches of 500, \(evaluationsPerSecond) evaluations/s, results every \(reportEvery) s; baseline memory at \(Int(baselineAt)) s")
        var memory = MemorySeries()
        // The resident memory's parts, sampled with it: anonymous memory, mapped files, shared memory, and the
        // allocator's memory in use and kept free (from the server's metrics; free memory is not all resident).
        // Of the memory in use, the SQLite page caches of the writer and of the readers (as of their last use).
        let partNames = ["anonymous (RssAnon)", "files (RssFile)", "shared (RssShmem)", "heap in use", "heap kept free",
                         "writer's page cache", "readers' page caches"]
        var parts = Array(repeating: MemorySeries(), count: partNames.count)
        let activity = ResultsActivity()
        let latencies = RequestLatencies()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.sendEvents(base, sdk: sdk, session: session, until: end, tally: tally, activity: activity, latencies: latencies) }
            group.addTask { try await self.evaluate(base, sdk: sdk, session: session, until: end, tally: tally, activity: activity, latencies: latencies) }
            group.addTask {
                try await self.readResults(base, admin: admin, session: session, from: start, until: end, tally: tally, activity: activity)
            }
            var taken = 0
            while ContinuousClock.now < end {
                try await Task.sleep(for: .seconds(1))
                let t = ResourceUsage.seconds(ContinuousClock.now - start)
                let usage = ProcessMemory.of(server.processIdentifier) ?? ProcessMemory()
                let heap = await Self.serverMemoryMiB(base, session: session)
                let busy = activity.takeBusy()
                memory.append(seconds: t, mib: usage.resident, busy: busy)
                for (index, mib) in [usage.anonymous, usage.file, usage.shared, heap.inUse, heap.free, heap.writerCache, heap.readerCaches].enumerated() {
                    parts[index].append(seconds: t, mib: mib, busy: busy)
                }
                taken += 1
                guard taken % 10 == 0 else { continue }
                let s = tally.state.withLock { $0 }
                print(String(format: "  %6.0f s  RSS %7.1f MiB (heap in use %.1f, free %.1f; page caches: writer %.1f, readers %.1f)  requests %@  failures %d  events acknowledged %d",
                             t, usage.resident, heap.inUse, heap.free, heap.writerCache, heap.readerCaches,
                             s.requests.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
                             s.failures.values.reduce(0, +), s.eventsAcknowledged))
            }
            try await group.waitForAll()
        }
        let alive = server.isRunning
        server.terminate()
        server.waitUntilExit()
        // Every acknowledged event is stored (exposures the evaluations logged come on top).
        let store = try SQLiteEventStore(path: directory.appendingPathComponent("soak.db").path, configuration: .init(readOnly: true))
        let stored = try await store.eventCount()
        let window = min(60, seconds / 4)
        let first = baselineAt...(baselineAt + window), final = (seconds - window)...seconds
        let baseline = memory.level(in: first) ?? 0
        let last = memory.level(in: final) ?? 0
        let baselineSample = memory.sample(atOrAfter: baselineAt) ?? 0, lastSample = memory.samples.last?.mib ?? 0
        let s = tally.state.withLock { $0 }
        let failures = s.failures.values.reduce(0, +)
        let change = baseline > 0 ? (last / baseline - 1) * 100 : .nan
        let sampleChange = baselineSample > 0 ? (lastSample / baselineSample - 1) * 100 : .nan
        print(String(format: "RSS level (median of the 1-s samples) over %.0f–%.0f s %.1f MiB, over the last %.0f s %.1f MiB (%+.1f %%); single samples at %.0f s and at the end %.1f and %.1f MiB (%+.1f %%)",
                     baselineAt, baselineAt + window, baseline, window, last, change, baselineAt, baselineSample, lastSample, sampleChange))
        // What the level is made of: the samples at rest, and how many fell during an analysis.
        let restFirst = memory.level(in: first, busy: false) ?? 0, restFinal = memory.level(in: final, busy: false) ?? 0
        print(String(format: "  at rest (no results request in flight during the sample's second): %.1f and %.1f MiB (%+.1f %%), from %d and %d samples; samples during one: %.0f %% and %.0f %%; results requests' median duration %.2f and %.2f s",
                     restFirst, restFinal, restFirst > 0 ? (restFinal / restFirst - 1) * 100 : .nan,
                     memory.samples(in: first, busy: false).count, memory.samples(in: final, busy: false).count,
                     (memory.busyShare(in: first) ?? .nan) * 100, (memory.busyShare(in: final) ?? .nan) * 100,
                     activity.medianSeconds(endedIn: first) ?? .nan, activity.medianSeconds(endedIn: final) ?? .nan))
        let changes = zip(partNames, parts).map { name, series in
            let (a, b) = (series.level(in: first) ?? 0, series.level(in: final) ?? 0)
            let (restA, restB) = (series.level(in: first, busy: false) ?? .nan, series.level(in: final, busy: false) ?? .nan)
            return String(format: "%@ %.1f → %.1f MiB (at rest %.1f → %.1f)", name, a, b, restA, restB)
        }
        print("  levels of the parts over the same windows (all samples, and at rest): " + changes.joined(separator: ", "))
        print(latencies.line("ofrep", title: "OFREP evaluations' (one at a time)"))
        print(latencies.line("events", title: "event batches' (500 events)"))
        print(String(format: "requests %d, failures %d, events acknowledged %d, stored %d (with logged exposures); server %@",
                     s.requests.values.reduce(0, +), failures, s.eventsAcknowledged, stored, alive ? "running" : "EXITED"))
        for example in s.examples { print("  failure: \(example)") }
        let held = alive && failures == 0 && abs(change) <= 10 && stored >= s.eventsAcknowledged
        print(held ? "held: no failure, every acknowledged event stored, the memory level within 10 %" : "NOT held")
        return held
    }

    static func waitHealthy(_ base: String, session: URLSession) async throws -> Bool {
        for _ in 0..<300 {
            if let (_, response) = try? await session.data(from: URL(string: base + "/healthz")!),
               (response as? HTTPURLResponse)?.statusCode == 200 { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// The server allocator's memory in use and kept free, and the SQLite page caches of its writer and readers,
    /// in MiB (`rampart_heap_in_use_bytes`, `rampart_heap_free_bytes` and `rampart_store_cache_bytes{connections}`
    /// in its `/metrics`); 0 when unknown.
    static func serverMemoryMiB(_ base: String, session: URLSession) async -> (inUse: Double, free: Double, writerCache: Double, readerCaches: Double) {
        guard let (data, _) = try? await session.data(from: URL(string: base + "/metrics")!) else { return (0, 0, 0, 0) }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        func value(_ name: String) -> Double {
            (lines.first { $0.hasPrefix(name + " ") }?.split(separator: " ").last.flatMap { Double($0) } ?? 0) / 1_048_576
        }
        return (value("rampart_heap_in_use_bytes"), value("rampart_heap_free_bytes"),
                value(#"rampart_store_cache_bytes{connections="writer"}"#), value(#"rampart_store_cache_bytes{connections="readers"}"#))
    }

    func post(_ url: String, _ body: Data, key: String, session: URLSession) async -> (Int, String) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.timeoutInterval = 30
        do {
            let (data, response) = try await session.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data.prefix(300), as: UTF8.self))
        } catch {
            return (0, "\(error)")
        }
    }

    func sendEvents(
        _ base: String, sdk: String, session: URLSession, until end: ContinuousClock.Instant, tally: Tally,
        activity: ResultsActivity, latencies: RequestLatencies
    ) async throws {
        let interval = 500.0 / Double(max(1, eventsPerSecond))
        var next = ContinuousClock.now
        var sequence = 0
        while ContinuousClock.now < end {
            var parts: [String] = []
            parts.reserveCapacity(500)
            let stamp = ISO8601DateFormatter().string(from: Date())
            for i in 0..<500 {
                sequence += 1
                let unit = "soak-\(Int.random(in: 0..<100_000))"
                if i % 3 == 0 {
                    parts.append(#"{"uuid":"\#(UUID().uuidString)","event":"exposure","unit":"\#(unit)","timestamp":"\#(stamp)","properties":{"experiment":"support-answer-prompt","variant":"\#(i % 2 == 0 ? "control" : "treatment")"}}"#)
                } else {
                    parts.append(#"{"uuid":"\#(UUID().uuidString)","event":"llm_request_completed","unit":"\#(unit)","timestamp":"\#(stamp)","properties":{"latency_ms":\#(200 + sequence % 3000),"estimated_cost_usd":0.0006,"status":"success"}}"#)
                }
            }
            let body = Data(("[" + parts.joined(separator: ",") + "]").utf8)
            let (status, text) = await timed("events", activity: activity, latencies: latencies) {
                await post(base + "/v1/events", body, key: sdk, session: session)
            }
            tally.record("events", ok: status == 200, detail: "\(status) \(text)", events: 500)
            next = next + .seconds(interval)
            if next > ContinuousClock.now { try await Task.sleep(until: next, clock: .continuous) }
        }
    }

    func evaluate(
        _ base: String, sdk: String, session: URLSession, until end: ContinuousClock.Instant, tally: Tally,
        activity: ResultsActivity, latencies: RequestLatencies
    ) async throws {
        let interval = 1.0 / Double(max(1, evaluationsPerSecond))
        var next = ContinuousClock.now
        while ContinuousClock.now < end {
            let body = Data(#"{"context":{"targetingKey":"user-\#(Int.random(in: 0..<1_000_000))","environment":"production","plan":"free"}}"#.utf8)
            let (status, text) = await timed("ofrep", activity: activity, latencies: latencies) {
                await post(base + "/ofrep/v1/evaluate/flags/support-answer-prompt", body, key: sdk, session: session)
            }
            tally.record("ofrep", ok: status == 200, detail: "\(status) \(text)")
            next = next + .seconds(interval)
            if next > ContinuousClock.now { try await Task.sleep(until: next, clock: .continuous) }
        }
    }

    /// Runs one request and records how long it took, and whether an analysis ran meanwhile.
    func timed(
        _ kind: String, activity: ResultsActivity, latencies: RequestLatencies, _ request: () async -> (Int, String)
    ) async -> (Int, String) {
        let mark = activity.mark()
        let sent = ContinuousClock.now
        let answer = await request()
        let milliseconds = ResourceUsage.seconds(ContinuousClock.now - sent) * 1_000
        latencies.record(kind, milliseconds: milliseconds, duringAnalysis: activity.overlapped(since: mark))
        return answer
    }

    func readResults(
        _ base: String, admin: String, session: URLSession, from start: ContinuousClock.Instant, until end: ContinuousClock.Instant,
        tally: Tally, activity: ResultsActivity
    ) async throws {
        while ContinuousClock.now < end {
            var request = URLRequest(url: URL(string: base + "/v1/experiments/support-answer-prompt/results")!)
            request.setValue("Bearer \(admin)", forHTTPHeaderField: "Authorization")
            request.timeoutInterval = 60
            let status: Int, text: String
            let sent = ContinuousClock.now
            activity.start()
            do {
                let (data, response) = try await session.data(for: request)
                status = (response as? HTTPURLResponse)?.statusCode ?? 0
                text = String(decoding: data.prefix(300), as: UTF8.self)
            } catch {
                (status, text) = (0, "\(error)")
            }
            let now = ContinuousClock.now
            activity.end(at: ResourceUsage.seconds(now - start), took: ResourceUsage.seconds(now - sent))
            tally.record("results", ok: status == 200, detail: "\(status) \(text)")
            try await Task.sleep(for: .seconds(reportEvery))
        }
    }
}
