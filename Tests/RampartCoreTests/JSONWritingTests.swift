import Foundation
import Testing
@testable import RampartCore

/// `JSONValue.appendJSON`: the compact writer the ingest paths and reports use.
@Suite("JSON writing")
struct JSONWritingTests {
    @Test func stringsAreEscapedAndReadBackExactly() throws {
        var samples = ["", "plain", "\"", "\\", "a\"b\\c", "tab\tline\nreturn\r", "é ü — 🚀", "</script>"]
        samples.append(String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self))
        samples.append(String(repeating: "x", count: 300) + "\u{1}" + String(repeating: "y", count: 300))
        for text in samples {
            let written = JSONValue.string(text).compactJSONText
            #expect(try JSONValue.parse(written) == .string(text), "\(written)")
            #expect(try JSONSerialization.jsonObject(with: Data(written.utf8), options: .fragmentsAllowed) as? String == text)
        }
        #expect(JSONValue.string("a\u{1}\"b").compactJSONText == #""a\u0001\"b""#)
        #expect(JSONValue.string("\n\t\\").compactJSONText == #""\n\t\\""#)
    }
}
