import Foundation
import Testing
@testable import RampartCore

/// `--as-of` and `as_of` as every command and route reads them (found by QA in session 29: `2026-02-30` was read as
/// 2026-03-02, and a value in milliseconds as a moment past the year 9999).
@Suite("As-of moments")
struct AsOfMomentTests {
    func parse(_ text: String) -> Date? { try? AsOfMoment.parse(text).get() }

    @Test func everyFormReadsTheSameMoment() throws {
        let noon = Date(timeIntervalSince1970: 1_781_092_800)  // 2026-06-10T12:00:00Z
        #expect(parse("2026-06-10T12:00:00Z") == noon)
        #expect(parse("2026-06-10T14:00:00+02:00") == noon)
        #expect(parse("2026-06-10T12:00") == noon)
        #expect(parse(" 1781092800 ") == noon)
        #expect(parse("2026-06-10") == Date(timeIntervalSince1970: 1_781_049_600))
        #expect(parse("2026-06-10T12:00:00.250Z") == noon.addingTimeInterval(0.25))
        #expect(parse("2024-02-29") != nil, "a leap day exists")
    }

    @Test func impossibleDatesAndMomentsOutOfRangeAreRefused() {
        for text in ["2026-02-30", "2026-02-29", "2026-13-01", "2026-06-31T00:00:00Z", "2026-06-10T24:00:00Z", "tomorrow", "", "1e20", "-1", "nan", "inf"] {
            #expect(parse(text) == nil, "\(text)")
        }
        guard case .failure(let failure) = AsOfMoment.parse("1781092800000") else {
            Issue.record("milliseconds were taken as seconds")
            return
        }
        #expect(failure.description.contains("looks like milliseconds"))
        #expect(parse("253402300799") != nil, "9999-12-31T23:59:59Z is the last moment")
        #expect(parse("253402300800") == nil)
    }
}
