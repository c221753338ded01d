import Foundation
import RampartCore

/// Parses the input as NDJSON with the full parser, and each line with the fast scanner: neither may crash, and
/// whatever the scanner accepts the full parser must accept as the same event (`scanPlainEvent`'s contract).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEvents(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let parser = EventParser()
    let now = Date(timeIntervalSince1970: 1_780_000_000)
    _ = parser.parseNDJSON(bytes, now: now)
    _ = parser.scanPlainArray(bytes, now: now) { _, _ in }

    var start = 0
    var index = 0
    var scanned = ScannedEvent()
    while start <= bytes.count {
        var end = start
        while end < bytes.count, bytes[end] != 0x0A { end += 1 }
        let line = UnsafeBufferPointer(rebasing: bytes[start..<end])
        if parser.scanPlainEvent(line, now: now, into: &scanned) {
            var batch = EventParser.Batch()
            parser.parseLine(line, index: index, now: now, into: &batch)
            guard batch.rejections.isEmpty, let event = batch.events.first, batch.events.count == 1 else {
                fatalError("the fast scanner accepted a line the full parser rejects: \(batch.rejections)")
            }
            let name = String(decoding: scanned.bytes(scanned.name), as: UTF8.self)
            let unit = String(decoding: scanned.bytes(scanned.unit), as: UTF8.self)
            guard event.name == name, event.unit == unit, event.milliseconds == scanned.milliseconds,
                withUnsafeBytes(of: event.id.uuid, { Array($0) }) == withUnsafeBytes(of: scanned.uuid, { Array($0) })
            else {
                fatalError("the fast scanner and the full parser disagree: \(event) vs \(name) \(unit) \(scanned.milliseconds)")
            }
        }
        index += 1
        start = end + 1
    }
    return 0
}
