import Foundation
import RampartCore
@testable import RampartStore

/// A small deterministic generator for test data (SplitMix64).
struct TestRandom: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(_ range: Range<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    mutating func unit() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }

    mutating func uuid() -> UUID {
        let a = next(), b = next()
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            bytes[i] = UInt8(truncatingIfNeeded: a >> (8 * i))
            bytes[8 + i] = UInt8(truncatingIfNeeded: b >> (8 * i))
        }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, int(0..<(i + 1)))
        }
    }
}

let epoch = Date(timeIntervalSince1970: 1_780_000_000)

func at(_ seconds: Double) -> Date {
    epoch.addingTimeInterval(seconds)
}

func event(_ name: String, _ unit: String, _ seconds: Double, _ properties: [String: JSONValue] = [:], id: UUID = UUID()) -> Event {
    Event(id: id, name: name, unit: unit, timestamp: at(seconds), properties: properties)
}

func exposure(_ unit: String, _ seconds: Double, _ variant: String, experiment: String = "exp", phase: Int = 0, id: UUID = UUID()) -> Event {
    Event.exposure(id: id, unit: unit, timestamp: at(seconds), experiment: experiment, variant: variant, phase: phase)
}

/// The same NDJSON ingested by the fast path (`ingestNDJSON`) into one store and by the full parser (`parseNDJSON`,
/// then `ingest`) into another, with each path's result indexed by line; both stores' events are then merged into
/// `events` (reads see staged events too, but tests compare the rows of `events`).
struct BothPaths {
    let fast: SQLiteEventStore
    let full: SQLiteEventStore
    let fastResult: IngestResult
    let fullResult: IngestResult

    init(_ bytes: [UInt8], firstIndex: Int, parser: EventParser, now: Date) async throws {
        fast = try SQLiteEventStore(inMemoryWith: .init(cacheSizeMiB: 8))
        full = try SQLiteEventStore(inMemoryWith: .init(cacheSizeMiB: 8))
        var fastResult = try await fast.ingestNDJSON(bytes, firstIndex: firstIndex, parser: parser, now: now)
        fastResult.rejections.sort { $0.index < $1.index }
        self.fastResult = fastResult
        let batch = bytes.withUnsafeBufferPointer { parser.parseNDJSON($0, firstIndex: firstIndex, now: now) }
        var fullResult = try await full.ingest(batch.events).remapped(through: batch.indices)
        fullResult.rejections = (batch.rejections + fullResult.rejections).sorted { $0.index < $1.index }
        self.fullResult = fullResult
        try await fast.mergeStagedEvents()
        try await full.mergeStagedEvents()
    }
}
