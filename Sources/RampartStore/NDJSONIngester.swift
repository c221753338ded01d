import Foundation
import RampartCore

/// Streams NDJSON into a store: parses one chunk while the store commits the previous one (`rampart ingest` and
/// its benchmark).
public struct NDJSONIngester {
    /// Input bytes per transaction for `rampart ingest` and its benchmark: 32 MiB, about 95,000 simulated events
    /// (docs/performance.md, "Event ingestion": 16 MiB commits twice as often, 64 MiB overlaps parsing less).
    public static let defaultChunkBytes = 32 << 20
    /// Validation and privacy.
    public var parser: EventParser
    /// Called after each commit with the number of input lines now durable (all lines up to it are).
    public var onCommit: (@Sendable (Int) -> Void)?

    /// Creates an ingester.
    ///
    /// - Parameter parser: Validation and privacy.
    public init(parser: EventParser) {
        self.parser = parser
    }

    /// What an ingestion did.
    public struct Summary: Sendable {
        public var lines = 0
        public var result = IngestResult()
        public var rejectionsByField: [String: Int] = [:]
        /// The first rejections, for the report.
        public var examples: [EventRejection] = []

        public init() {}

        mutating func add(_ other: IngestResult) {
            result.stored += other.stored
            result.duplicates += other.duplicates
            note(other.rejections)
        }

        mutating func note(_ rejections: [EventRejection]) {
            for r in rejections {
                rejectionsByField[r.field, default: 0] += 1
                if examples.count < 20 { examples.append(r) }
            }
            result.rejections.append(contentsOf: rejections.prefix(max(0, 10_000 - result.rejections.count)))
        }

        public var rejected: Int { rejectionsByField.values.reduce(0, +) }
    }

    /// Reads all input and stores it.
    ///
    /// Each chunk is parsed and committed by its own task; the next chunk's task starts before the previous one is
    /// awaited, so parsing overlaps the previous commit (and the previous parse, on another core), and the chunk
    /// after it is read and its lines counted meanwhile too, so the writer does not wait for the input. Chunks are
    /// acknowledged in input order: `onCommit` reports a line only when every chunk up to it is durable.
    ///
    /// - Parameters:
    ///   - reader: The input.
    ///   - store: Where events go.
    /// - Returns: Counts of stored, duplicate and rejected events, with the reasons.
    public func run(_ reader: ByteChunkReader, into store: any EventStore) async throws -> Summary {
        var summary = Summary()
        var pending: Task<(IngestResult, Int), any Error>?
        var line = 0
        let now = Date()
        let parser = self.parser
        var ahead = try reader.next()
        while let chunk = ahead {
            let first = line
            line += Self.lineCount(chunk)
            let through = line
            let next = Task {
                let result = try await store.ingestNDJSON(chunk, firstIndex: first, parser: parser, now: now)
                return (result, through)
            }
            ahead = try reader.next()
            if let previous = pending {
                let (result, through) = try await previous.value
                summary.add(result)
                onCommit?(through)
            }
            pending = next
        }
        if let previous = pending {
            let (result, through) = try await previous.value
            summary.add(result)
            onCommit?(through)
        }
        summary.lines = line
        summary.examples.sort { $0.index < $1.index }
        return summary
    }

    /// The number of lines in a chunk: its newlines, plus one for a last line without a newline.
    public static func lineCount(_ chunk: [UInt8]) -> Int {
        chunk.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return 0 }
            var count = 0
            var position = UnsafeRawPointer(base)
            let end = position + buffer.count
            while position < end, let found = memchr(position, 0x0A, end - position) {
                count += 1
                position = UnsafeRawPointer(found) + 1
            }
            return count + (buffer[buffer.count - 1] == 0x0A ? 0 : 1)
        }
    }
}
