import CompressNIO
import Foundation
import NIOCore
import RampartCore
import RampartServer
import RampartStore

/// Throughput of the ingest adapters against the native route on the same events: `POST /v1/events` (a JSON array
/// of native events) against PostHog's `POST /batch/` (`{"api_key": …, "sent_at": …, "batch": [...]}` as
/// posthog-python sends it, plain and gzip). Each round ingests every batch into a fresh database, `concurrency`
/// requests at a time (so the group commit works as it does under load), through ``IngestEndpoints``: the route's
/// own body handling and the durable store call, without HTTP.
public struct IngestAdapterBenchmark: Sendable {
    /// The request bodies of one run.
    public struct Bodies: Sendable {
        public var native: [ByteBuffer] = []
        public var postHog: [ByteBuffer] = []
        public var postHogGzip: [ByteBuffer] = []
        public var events = 0

        /// "native N MB, PostHog N MB, PostHog gzip N MB".
        public var sizes: String {
            let mb = { (b: [ByteBuffer]) in String(format: "%.1f MB", Double(b.reduce(0) { $0 + $1.readableBytes }) / 1e6) }
            return "native \(mb(native)), PostHog \(mb(postHog)), PostHog gzip \(mb(postHogGzip))"
        }
    }

    /// One path's figures: events per second in each round.
    public struct Figures: Sendable {
        public var name: String
        public var eventsPerSecond: [Double]
        public var median: Double { eventsPerSecond.sorted()[eventsPerSecond.count / 2] }

        public init(name: String, eventsPerSecond: [Double]) {
            self.name = name
            self.eventsPerSecond = eventsPerSecond
        }
    }

    public var experiments: [Experiment]
    public var concurrency: Int
    public var directory: URL

    public init(experiments: [Experiment], concurrency: Int, directory: URL) {
        self.experiments = experiments
        self.concurrency = concurrency
        self.directory = directory
    }

    /// Splits native NDJSON into batches and writes each batch in both formats.
    ///
    /// The PostHog events carry what posthog-python adds (`$lib`, `$lib_version`): `llm_request_completed` and
    /// `_failed` become `$ai_generation` with `$ai_*` properties, `exposure` becomes `$feature_flag_called`, other
    /// events keep their name and properties.
    ///
    /// - Parameters:
    ///   - ndjson: Native events, one per line.
    ///   - batchSize: Events per request.
    public static func bodies(ndjson: [UInt8], batchSize: Int) throws -> Bodies {
        var lines: [JSONValue] = []
        for line in ndjson.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            lines.append(try Array(line).withUnsafeBufferPointer { try JSONValue.parse(utf8: $0) })
        }
        var bodies = Bodies()
        bodies.events = lines.count
        let sentAt = JSONValue.string(RFC3339.format(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)))
        for start in stride(from: 0, to: lines.count, by: batchSize) {
            let batch = Array(lines[start..<min(start + batchSize, lines.count)])
            var native: [UInt8] = []
            JSONValue.array(batch).appendJSON(to: &native)
            bodies.native.append(ByteBuffer(bytes: native))
            var postHog: [UInt8] = []
            JSONValue.object(["api_key": "rk_sdk_bench", "sent_at": sentAt, "historical_migration": false, "batch": .array(batch.map(postHogEvent))])
                .appendJSON(to: &postHog)
            var buffer = ByteBuffer(bytes: postHog)
            bodies.postHog.append(buffer)
            bodies.postHogGzip.append(try buffer.compress(with: .gzip()))
        }
        return bodies
    }

    /// A native event as posthog-python would capture it.
    static func postHogEvent(_ native: JSONValue) -> JSONValue {
        let fields = native.objectValue ?? [:]
        var properties = fields["properties"]?.objectValue ?? [:]
        var name = fields["event"]?.stringValue ?? ""
        switch name {
        case EventName.llmRequestCompleted, EventName.llmRequestFailed:
            var mapped: [String: JSONValue] = [:]
            for (postHog, key) in PostHogMapping.aiProperties {
                guard let value = properties.removeValue(forKey: key) else { continue }
                mapped[postHog] = key == "latency_ms" ? .number((value.numberValue ?? 0) / 1000) : value
            }
            if name == EventName.llmRequestFailed { mapped["$ai_is_error"] = true }
            properties.removeValue(forKey: "status")
            properties.merge(mapped) { $1 }
            name = "$ai_generation"
        case EventName.exposure:
            properties = ["$feature_flag": properties["experiment"] ?? .null, "$feature_flag_response": properties["variant"] ?? .null]
            name = "$feature_flag_called"
        default:
            break
        }
        properties["$lib"] = "posthog-python"
        properties["$lib_version"] = "7.91.1"
        return [
            "event": .string(name), "distinct_id": fields["unit"] ?? .null, "uuid": fields["uuid"] ?? .null,
            "timestamp": fields["timestamp"] ?? .null, "properties": .object(properties),
        ]
    }

    /// Ingests every body into a fresh database per round and returns events per second.
    ///
    /// - Parameters:
    ///   - name: The path's name.
    ///   - bodies: The request bodies.
    ///   - events: Events in them, all of which must be stored.
    ///   - rounds: Timed rounds.
    ///   - firstRound: The number of the first round (each round's database is named by its number).
    ///   - send: The route's body handling.
    public func measure(
        _ name: String, bodies: [ByteBuffer], events: Int, rounds: Int, firstRound: Int = 0,
        send: @escaping @Sendable (IngestEndpoints, ByteBuffer) async throws -> IngestResult
    ) async throws -> Figures {
        var rates: [Double] = []
        for round in firstRound..<(firstRound + rounds) {
            let path = directory.appendingPathComponent("\(name.filter(\.isLetter))-\(round).sqlite").path
            let store = try SQLiteEventStore(path: path, configuration: .init(cacheSizeMiB: 64))
            _ = try await store.seed(experiments)
            let endpoints = IngestEndpoints(store: store, experiments: experiments)
            let clock = ContinuousClock()
            var stored = 0
            let elapsed = try await clock.measure {
                stored = try await withThrowingTaskGroup(of: Int.self) { group in
                    var next = 0
                    var total = 0
                    for _ in 0..<min(concurrency, bodies.count) {
                        let body = bodies[next]
                        next += 1
                        group.addTask { try await send(endpoints, body).stored }
                    }
                    while let done = try await group.next() {
                        total += done
                        if next < bodies.count {
                            let body = bodies[next]
                            next += 1
                            group.addTask { try await send(endpoints, body).stored }
                        }
                    }
                    return total
                }
            }
            guard stored == events else { throw RampartError(.invalidInput, "\(name): stored \(stored) of \(events) events") }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            rates.append(Double(events) / seconds)
        }
        return Figures(name: name, eventsPerSecond: rates)
    }
}
