import ArgumentParser
import Foundation
import RampartCore
import RampartStore

/// `rampart ingest`: stores NDJSON events in the SQLite event database.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Store NDJSON events (one per line) durably; report stored, duplicate and rejected events.",
        discussion: "A file ending in .gz is decompressed with gzip. Replaying a file is safe: events are keyed by uuid. See docs/events.md."
    )

    @Option(name: .long, help: "The database: an SQLite path (created if missing) or a postgres:// URL (default: $RAMPART_DATABASE_URL).")
    var db: String?

    @Argument(help: "The NDJSON file, or - for standard input.")
    var input: String

    @Option(name: .customLong("drop-property"), help: "Drop this property before storage, in addition to the raw-content defaults; repeatable.")
    var dropProperties: [String] = []

    @Option(name: .customLong("unit-hash-key-env"), help: "Store unit ids as HMAC-SHA-256 keyed hashes, with the key read from this environment variable.")
    var unitHashKeyEnv: String?

    @Flag(name: .long, help: "Print 'acknowledged through line N' after each durable commit.")
    var progress = false

    @Option(name: .customLong("chunk-bytes"), help: "Input bytes per transaction (the first two chunks are a quarter and a half of it).")
    var chunkBytes: Int = NDJSONIngester.defaultChunkBytes

    @OptionGroup var store: StoreOptions

    func validate() throws {
        // 0 read nothing after an empty first "line" and exited 0 with the file ignored (QA, session 29).
        guard chunkBytes >= 1 else {
            throw ValidationError("--chunk-bytes \(chunkBytes): expected at least 1 byte")
        }
    }

    mutating func run() async throws {
        // A file's events are merged 2,000,000 at a time (and at the end): a merge by key range writes each page of
        // `events` it touches about once, so larger merges write fewer pages per event (docs/performance.md).
        var configuration = try self.store.configuration(.init(stagedEventLimit: Self.stagedEventLimit))
        if let unitHashKeyEnv {
            guard let key = ProcessInfo.processInfo.environment[unitHashKeyEnv], !key.isEmpty else {
                throw CLIFailure("--unit-hash-key-env: the environment variable \(unitHashKeyEnv) is not set")
            }
            configuration.unitIdHashKey = Array(key.utf8)
        }
        guard let db = StoreLocation.resolve(db, fallback: nil) else {
            throw CLIFailure("--db is required (or set \(StoreLocation.variable))")
        }
        let store = try await StoreLocation.open(db, configuration: configuration, mustExist: false)
        let reader = try ByteChunkReader(path: input, chunkSize: chunkBytes)
        var ingester = NDJSONIngester(parser: EventParser(configuration: .init(additionalDroppedProperties: dropProperties)))
        if progress {
            ingester.onCommit = { line in
                FileHandle.standardOutput.write(Data("acknowledged through line \(line)\n".utf8))
            }
        }
        let clock = ContinuousClock()
        var summary = NDJSONIngester.Summary()
        let elapsed = try await clock.measure {
            summary = try await ingester.run(reader, into: store)
            // Leave every event in the clustered table for reports (staged events are already durable).
            try await store.finishIngest()
        }
        print(Self.report(summary, source: input, seconds: elapsed.seconds))
    }

    /// Staged events that start a merge during `rampart ingest` (``SQLiteEventStore/Configuration/stagedEventLimit``).
    static let stagedEventLimit = 2_000_000

    static func report(_ s: NDJSONIngester.Summary, source: String, seconds: Double) -> String {
        var lines = [
            "read \(s.lines) line\(s.lines == 1 ? "" : "s") from \(source) in \(String(format: "%.2f", seconds)) s",
            "stored \(s.result.stored), duplicates \(s.result.duplicates), rejected \(s.rejected)",
        ]
        if s.rejected > 0 {
            lines.append("rejections by field:")
            for (field, count) in s.rejectionsByField.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
                lines.append("  \(field): \(count)")
            }
            lines.append("first rejections:")
            for r in s.examples {
                lines.append("  line \(r.index + 1)\(r.uuid.map { " (\($0.uuidString.lowercased()))" } ?? ""): \(r.field): \(r.reason)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
