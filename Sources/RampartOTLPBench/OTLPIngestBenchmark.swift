import Foundation
import RampartBench
import RampartCore
import RampartOTLP
import RampartServer
import RampartStore

/// Times OTLP/HTTP trace ingest (protobuf and JSON) against native `/v1/events` on the same events: each path's
/// body-level work (decode, map, validate, store durably) on a fresh SQLite database per round, requests sent
/// `concurrency` at a time as concurrent exporters would. HTTP framing is left out of both.
public enum OTLPIngestBenchmark {
    /// One path.
    public enum Path: String, CaseIterable, Sendable {
        case native = "native /v1/events (JSON array)"
        case protobuf = "OTLP /v1/traces (protobuf)"
        case json = "OTLP /v1/traces (JSON)"
    }

    /// Times each path.
    ///
    /// - Parameters:
    ///   - workload: The bodies.
    ///   - experiment: The experiment whose flag evaluations are exposures.
    ///   - rounds: Timed rounds per path, each into a fresh database.
    ///   - concurrency: Requests in flight at once.
    ///   - directory: Where the databases go (removed afterwards).
    /// - Returns: One result per path, in ``Path`` order.
    public static func run(
        _ workload: OTLPIngestWorkload, experiment: Experiment, rounds: Int, concurrency: Int, directory: URL
    ) async throws -> [BenchTimer.Result] {
        let parser = EventParser()
        let mapping = OTLPTraceMapping { $0 == experiment.key ? experiment.phase : nil }
        // Rounds interleave the paths (native, protobuf, JSON, then again), so that a change in the machine's load
        // falls on all of them alike.
        var samples: [Path: [Double]] = [:]
        for round in 0...rounds {  // round 0 warms up and is not counted
            for path in Path.allCases {
                let file = directory.appendingPathComponent("\(path)-\(round).sqlite".replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "/", with: "_"))
                let store = try SQLiteEventStore(path: file.path)
                let ingest = OTLPTraceIngest(store: store, parser: parser, mapping: mapping)
                let bodies: [[UInt8]] = switch path {
                case .native: workload.native
                case .protobuf: workload.protobuf
                case .json: workload.json
                }
                let clock = ContinuousClock()
                var stored = 0
                let elapsed = try await clock.measure {
                    stored = try await withThrowingTaskGroup(of: Int.self) { group in
                        for lane in 0..<concurrency {
                            group.addTask {
                                var stored = 0
                                for index in stride(from: lane, to: bodies.count, by: concurrency) {
                                    switch path {
                                    case .native: stored += try await EventsIngest.ingest(body: bodies[index], into: store, parser: parser).stored
                                    case .protobuf: stored += try await ingest.ingest(bodies[index], encoding: .protobuf).result.stored
                                    case .json: stored += try await ingest.ingest(bodies[index], encoding: .json).result.stored
                                    }
                                }
                                return stored
                            }
                        }
                        return try await group.reduce(0, +)
                    }
                }
                guard stored == workload.events else {
                    throw RampartError(.invalidInput, "bench: \(path.rawValue) stored \(stored) of \(workload.events) events")
                }
                if round > 0 {
                    samples[path, default: []].append((Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9) / Double(workload.events))
                }
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file.path + suffix) }
            }
        }
        return Path.allCases.map { path in
            BenchTimer.Result(name: path.rawValue, operations: workload.events, nanosecondsPerOperation: samples[path] ?? [])
        }
    }
}
