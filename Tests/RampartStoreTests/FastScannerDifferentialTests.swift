import Foundation
import RampartCore
@testable import RampartStore
import Testing

/// The fast NDJSON scanner against the full parser on random lines: valid and invalid values of every known
/// property, dropped and unknown properties, exposures, duplicate members and uuids. Both paths must store the
/// same rows and give the same counts and rejections.
@Suite("Fast scanner differential")
struct FastScannerDifferentialTests {
    /// A JSON value for a known property: usually valid for its type, sometimes not.
    static func value(for name: String, type: PropertyType, using g: inout TestRandom) -> String {
        switch Int.random(in: 0..<40, using: &g) {
        case 0: return "null"
        case 1: return #""caf\u00e9""#
        case 2: return #"{"k":1}"#
        case 3: return "-3"
        case 4: return "2.5"
        case 5: return "true"
        case 6: return #""""#
        default: break
        }
        switch type {
        case .string: return "\"\(name)-\(Int.random(in: 0..<5, using: &g))\""
        case .number: return String(Double(Int.random(in: 0..<100_000, using: &g)) / 100)
        case .integer: return String(Int.random(in: 0..<5_000, using: &g))
        case .boolean: return Bool.random(using: &g) ? "true" : "false"
        case .oneOf(let allowed): return Int.random(in: 0..<8, using: &g) == 0 ? #""other""# : "\"\(allowed.randomElement(using: &g)!)\""
        }
    }

    static func line(_ i: Int, uuids: inout [String], using g: inout TestRandom) -> String {
        var members: [String] = []
        let uuid: String
        if !uuids.isEmpty, Int.random(in: 0..<20, using: &g) == 0 {
            uuid = uuids.randomElement(using: &g)!
        } else {
            uuid = UUID().uuidString.lowercased()
            uuids.append(uuid)
        }
        switch Int.random(in: 0..<40, using: &g) {
        case 0: break
        case 1: members.append(#""uuid":"not-a-uuid""#)
        default: members.append("\"uuid\":\"\(uuid)\"")
        }
        let names = ["llm_request_completed", "llm_task_completed", "support_ticket_resolved", "exposure", "exposure", ""]
        let name = names.randomElement(using: &g)!
        if Int.random(in: 0..<40, using: &g) > 0 { members.append("\"event\":\"\(name)\"") }
        switch Int.random(in: 0..<40, using: &g) {
        case 0: break
        case 1: members.append(#""unit":"""#)
        case 2: members.append(#""unit":7"#)
        default: members.append("\"unit\":\"user-\(Int.random(in: 0..<300, using: &g))\"")
        }
        switch Int.random(in: 0..<30, using: &g) {
        case 0: members.append(#""timestamp":"2999-01-01T00:00:00Z""#)
        case 1: members.append(#""timestamp":"yesterday""#)
        case 2: members.append("\"timestamp\":\(1_780_000_000_000 + Int.random(in: 0..<1_000_000, using: &g))")
        case 3: members.append(#""timestamp":1780000000000.5"#)
        default:
            members.append("\"timestamp\":\"2026-06-0\(Int.random(in: 1...9, using: &g))T10:\(Int.random(in: 10...59, using: &g)):00.\(Int.random(in: 100...999, using: &g))Z\"")
        }
        var properties: [String] = []
        if name == "exposure" {
            if Int.random(in: 0..<15, using: &g) > 0 { properties.append(#""experiment":"exp-\#(Int.random(in: 0..<2, using: &g))""#) }
            if Int.random(in: 0..<15, using: &g) > 0 { properties.append(#""variant":"\#(["control", "treatment", ""].randomElement(using: &g)!)""#) }
            if Bool.random(using: &g) { properties.append("\"phase\":\(Int.random(in: -1...2, using: &g))") }
        }
        for _ in 0..<Int.random(in: 0...6, using: &g) {
            switch Int.random(in: 0..<10, using: &g) {
            case 0: properties.append(#""prompt":"\#(["secret", "x"].randomElement(using: &g)!)""#)
            case 1: properties.append("\"channel\":\"\(["email", "chat"].randomElement(using: &g)!)\"")
            case 2: properties.append("\"score\":\(Int.random(in: -5...5, using: &g))")
            case 3: properties.append(#""flag":null"#)
            default:
                let (name, type) = KnownProperties.ordered.randomElement(using: &g)!
                properties.append("\"\(name)\":\(value(for: name, type: type, using: &g))")
            }
        }
        if Int.random(in: 0..<20, using: &g) == 0, let first = properties.first { properties.append(first) }
        if !properties.isEmpty || Bool.random(using: &g) { members.append("\"properties\":{\(properties.joined(separator: ","))}") }
        if Int.random(in: 0..<60, using: &g) == 0 { members.append(#""extra":1"#) }
        members.shuffle(using: &g)
        return "{" + members.joined(separator: Bool.random(using: &g) ? "," : ", ") + "}"
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func fastPathStoresWhatTheFullParserStores(seed: UInt64) async throws {
        var g = TestRandom(state: seed)
        var uuids: [String] = []
        let lines = (0..<1_500).map { Self.line($0, uuids: &uuids, using: &g) }
        let bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
        var parser = EventParser()
        parser.configuration.droppedProperties.insert("model")  // a known property dropped by configuration
        let now = Date(timeIntervalSince1970: 1_790_000_000)

        // Most valid lines take the fast path.
        var scanned = ScannedEvent()
        let plain = lines.filter { line in
            Array(line.utf8).withUnsafeBufferPointer { parser.scanPlainEvent($0, now: now, into: &scanned) }
        }.count
        #expect(plain > lines.count / 5)

        let both = try await BothPaths(bytes, firstIndex: 0, parser: parser, now: now)
        #expect(both.fastResult.stored == both.fullResult.stored)
        #expect(both.fastResult.stored > 0)
        #expect(both.fastResult.duplicates == both.fullResult.duplicates)
        #expect(both.fastResult.rejections == both.fullResult.rejections)
        for sql in [
            "SELECT n.name, u.key, e.* FROM events e JOIN event_names n ON n.id = e.name_id JOIN units u ON u.id = e.unit_id ORDER BY e.uuid",
            """
            SELECT x.key, x.phase, u.key, v.key, e.first_ts, e.multi_ts, e.last_ts, e.exposures FROM exposure_units e
            JOIN experiments x ON x.id = e.experiment_id JOIN units u ON u.id = e.unit_id JOIN variants v ON v.id = e.variant_id
            ORDER BY 1, 2, 3
            """,
        ] {
            let fastRows = try await both.fast.rows(sql)
            #expect(!fastRows.isEmpty)
            #expect(fastRows == (try await both.full.rows(sql)))
        }
    }
}
