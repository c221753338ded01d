import Foundation
import Testing
import RampartCore
@testable import RampartAnalysis

/// ``ReportFormat/date(_:)`` writes what `ISO8601DateFormatter` (internet date-time) writes, without a formatter.
@Suite("Report format: dates")
struct ReportFormatDateTests {
    /// The report's `as_of` keeps milliseconds when it has them: given back to `--as-of`, the same moment.
    @Test func aMomentKeepsItsMilliseconds() throws {
        let moment = Date(timeIntervalSince1970: 1_781_092_800.25)
        #expect(ReportFormat.moment(moment) == "2026-06-10T12:00:00.250Z")
        #expect(ReportFormat.moment(Date(timeIntervalSince1970: 1_781_092_800)) == "2026-06-10T12:00:00Z")
        #expect(try AsOfMoment.parse(ReportFormat.moment(moment)).get() == moment)
    }

    @Test func theSameAsTheFormatter() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        var moments: [Date] = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_780_272_000), Date(timeIntervalSince1970: 1_780_272_000.999),
            Date(timeIntervalSince1970: 951_782_399.5), Date(timeIntervalSince1970: 4_102_444_800), Date(timeIntervalSince1970: -1.25),
        ]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            moments.append(Date(timeIntervalSince1970: Double(state >> 11) / Double(1 << 53) * 4_000_000_000))
        }
        for moment in moments {
            #expect(ReportFormat.date(moment) == formatter.string(from: moment), "\(moment.timeIntervalSince1970)")
        }
    }
}
