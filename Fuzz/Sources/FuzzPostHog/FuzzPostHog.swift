import Foundation
import RampartCore

/// Reads the input as a PostHog capture body both ways: events read straight from the body (`ScannedPostHogBody`,
/// what `/batch/` stores) and the native lines `PostHogMapping.scanLines` writes, read by the full parser. Neither
/// may crash, both must take a body or neither, and they must give the same events and rejections.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPostHog(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let now = Date(timeIntervalSince1970: 1_780_000_000)
    let parser = EventParser()
    let mapping = PostHogMapping(
        experiments: ["onboarding": .init(phase: 2, variants: ["a", "b"]), "e": .init(phase: 0, variants: ["control", "treatment"])],
        contentID: { text in UUID(uuid: (0, 0, 0, 0, 0, 0, 0x80, 0, 0x80, 0, 0, 0, 0, 0, UInt8(text.count & 0xFF), UInt8(text.count >> 8 & 0xFF))) }
    )
    let scanned = mapping.scanBody(bytes, now: now)
    guard let lines = mapping.scanLines(bytes, now: now) else {
        guard scanned == nil else { fatalError("the body was scanned but not written as lines") }
        return 0
    }
    guard let scanned else { fatalError("the body was written as lines but not scanned") }
    var direct = Collector(parser: parser, now: now)
    scanned.scan(parser: parser, now: now, into: &direct)
    var reference = Collector(parser: parser, now: now)
    var index = 0
    var start = 0
    lines.ndjson.withUnsafeBufferPointer { text in
        while start < text.count {
            var end = start
            while text[end] != 0x0A { end += 1 }
            reference.appendLine(UnsafeBufferPointer(rebasing: text[start..<end]), index: index)
            index += 1
            start = end + 1
        }
    }
    reference.rejections += lines.rejections
    let order = { (a: EventRejection, b: EventRejection) in a.index < b.index }
    guard direct.events == reference.events else {
        fatalError("events read from the body differ from the lines': \(direct.events) vs \(reference.events)")
    }
    guard direct.rejections.sorted(by: order) == reference.rejections.sorted(by: order) else {
        fatalError("rejections differ: \(direct.rejections) vs \(reference.rejections)")
    }
    return 0
}

/// What a store would keep of each event handed over; lines are read by the full parser.
struct Collector: ScannedEventSink {
    struct Stored: Equatable {
        var index: Int
        var id: UUID
        var name: String
        var unit: String
        var milliseconds: Int64
        var properties: [String: JSONValue]
    }

    let parser: EventParser
    let now: Date
    var events: [Stored] = []
    var rejections: [EventRejection] = []

    mutating func append(_ scanned: borrowing ScannedEvent, index: Int) {
        let event = scanned.event
        events.append(Stored(index: index, id: event.id, name: event.name, unit: event.unit, milliseconds: scanned.milliseconds, properties: event.properties))
    }

    mutating func appendLine(_ line: UnsafeBufferPointer<UInt8>, index: Int) {
        var batch = EventParser.Batch()
        parser.parseLine(line, index: index, now: now, into: &batch)
        for event in batch.events {
            events.append(Stored(
                index: index, id: event.id, name: event.name, unit: event.unit, milliseconds: event.milliseconds,
                properties: event.properties.filter { !$0.value.isNull }
            ))
        }
        rejections += batch.rejections
    }

    mutating func reject(_ rejection: EventRejection) { rejections.append(rejection) }
}
