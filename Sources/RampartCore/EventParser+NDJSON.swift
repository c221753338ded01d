import Foundation

extension EventParser {
    /// Events parsed from a batch, with the rejections of the lines that failed.
    public struct Batch: Sendable {
        /// The valid events, in input order.
        public var events: [Event] = []
        /// For each event, its position in the input (0-based line number for NDJSON).
        public var indices: [Int] = []
        /// The events that failed validation.
        public var rejections: [EventRejection] = []

        public init() {}
    }

    /// The longest NDJSON line accepted, in bytes.
    public static let maximumLineLength = 1 << 20

    /// Parses newline-delimited JSON: one event object per line; blank lines are skipped.
    ///
    /// - Parameters:
    ///   - bytes: Whole lines of UTF-8 text (a trailing line without a newline is parsed too).
    ///   - firstIndex: The index of the first line, so that rejections name lines across chunks.
    ///   - now: The current time, for the future-timestamp check.
    /// - Returns: The events and the rejections.
    public func parseNDJSON(_ bytes: UnsafeBufferPointer<UInt8>, firstIndex: Int = 0, now: Date = Date()) -> Batch {
        var batch = Batch()
        var index = firstIndex
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            parseLine(UnsafeBufferPointer(rebasing: bytes[start..<end]), index: index, now: now, into: &batch)
            index += 1
            start = end + 1
        }
        return batch
    }

    /// Parses one NDJSON line into `batch` (a blank line adds nothing).
    public func parseLine(_ line: UnsafeBufferPointer<UInt8>, index: Int, now: Date, into batch: inout Batch) {
        var line = line
        if line.last == 0x0D { line = UnsafeBufferPointer(rebasing: line.dropLast()) }
        guard line.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { return }
        guard line.count <= Self.maximumLineLength else {
            batch.rejections.append(EventRejection(index: index, field: "$", reason: "line longer than \(Self.maximumLineLength) bytes"))
            return
        }
        let object: JSONValue
        do {
            object = try JSONValue.parse(utf8: line)
        } catch {
            batch.rejections.append(EventRejection(index: index, field: "$", reason: error.message))
            return
        }
        switch event(from: object, index: index, now: now) {
        case .success(let event):
            batch.events.append(event)
            batch.indices.append(index)
        case .failure(let rejection):
            batch.rejections.append(rejection)
        }
    }
}
