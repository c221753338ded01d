import Foundation
import RampartCore
@testable import RampartStore
import Testing

/// `EventStore.ingestScanned` (an adapter's events handed to the store's encoder one by one) against
/// `ingestNDJSON` of the same events written as native lines: every backend stores the same events and gives the
/// same counts and rejections, and a replay is all duplicates.
@Suite("Scanned ingest")
struct ScannedIngestTests {
    let now = Date(timeIntervalSince1970: 1_780_000_000)
    let parser = EventParser()
    let mapping = PostHogMapping(
        experiments: ["onboarding": .init(phase: 1, variants: ["a", "b"])],
        contentID: { bytes in UUID(uuid: (0, 0, 0, 0, 0, 0, 0x80, 0, 0x80, 0, 0, 0, 0, 0, UInt8(bytes.count & 0xFF), UInt8(bytes.count >> 8 & 0xFF))) }
    )

    /// A capture body: generations, flag calls, product events, and a few the mapping or the parser rejects.
    func body(units: Int) -> [UInt8] {
        var events: [String] = []
        for i in 0..<units {
            let uuid = { (k: Int) in String(format: "6f1c2a34-6d0e-4b7a-9a51-%06x%06x", i, k) }
            let variant = i % 2 == 0 ? "a" : "b"
            events.append(#"{"event":"$feature_flag_called","distinct_id":"user-\#(i)","uuid":"\#(uuid(0))","timestamp":"2026-05-28T20:00:00.000Z","properties":{"$feature_flag":"onboarding","$feature_flag_response":"\#(variant)","$lib":"posthog-python"}}"#)
            events.append(#"{"event":"$ai_generation","distinct_id":"user-\#(i)","uuid":"\#(uuid(1))","timestamp":"2026-05-28T20:00:01.000Z","properties":{"$ai_model":"m","$ai_latency":\#(Double(i % 7) / 4),"$ai_input_tokens":\#(i),"$ai_input":"secret","$ai_is_error":\#(i % 5 == 0),"$lib":"posthog-python","$lib_version":"7.0.0"}}"#)
            events.append(#"{"event":"checkout","distinct_id":"user-\#(i)","uuid":"\#(uuid(2))","timestamp":"2026-05-28T20:00:02.000Z","properties":{"amount":\#(i),"note":"caf\u00e9"}}"#)
            if i % 10 == 3 {
                events.append(#"{"event":"$ai_generation","distinct_id":"user-\#(i)","uuid":"\#(uuid(3))","properties":{"$ai_latency":-1}}"#)
                events.append(#"{"event":"$feature_flag_called","distinct_id":"user-\#(i)","uuid":"\#(uuid(4))","properties":{"$feature_flag":"onboarding","$feature_flag_response":"z"}}"#)
            }
        }
        return Array(#"{"api_key":"k","batch":[\#(events.joined(separator: ","))],"sent_at":"2026-05-28T20:00:05Z"}"#.utf8)
    }

    func allEvents(_ store: any ValueDistributionStore & ControlStore) async throws -> [Event] {
        let transfer = try #require(store as? any StoreTransfer)
        var events: [Event] = []
        var cursor: EventPage.Cursor?
        repeat {
            let page = try await transfer.exportEvents(after: cursor, limit: 1_000)
            events += page.events
            cursor = page.next
        } while cursor != nil
        return events.sorted { $0.id.uuidString < $1.id.uuidString }
    }

    @Test(arguments: StoreBackend.allCases)
    func scannedIngestStoresWhatTheLinesStore(_ backend: StoreBackend) async throws {
        let bytes = body(units: 60)
        let scanned = try #require(bytes.withUnsafeBufferPointer { mapping.scanBody($0, now: now) })
        let lines = try #require(bytes.withUnsafeBufferPointer { mapping.scanLines($0, now: now) })

        let direct = try await backend.make()
        let viaLines = try await backend.make()
        let a = try await direct.ingestScanned(scanned, parser: parser, now: now)
        var b = try await viaLines.ingestNDJSON(lines.ndjson, firstIndex: 0, parser: parser, now: now)
        b.rejections = (b.rejections + lines.rejections).sorted { $0.index < $1.index }
        #expect(a.stored == b.stored && a.stored == 180)
        #expect(a.duplicates == 0 && b.duplicates == 0)
        #expect(a.rejections.sorted { $0.index < $1.index } == b.rejections)
        #expect(a.rejections.count == 12)
        #expect(try await allEvents(direct) == allEvents(viaLines))
        let attribution = try await direct.attribution(ExperimentScope(key: "onboarding", phase: 1))
        #expect(attribution == (try await viaLines.attribution(ExperimentScope(key: "onboarding", phase: 1))))

        let replay = try await direct.ingestScanned(scanned, parser: parser, now: now)
        #expect(replay.stored == 0 && replay.duplicates == 180)
    }
}
