import Foundation
import Testing
import RampartCore
@testable import RampartConfig

/// `segments:` and `segment_min_units:` in the experiment file: what they accept and the errors naming the field.
@Suite("Segments in the experiment file")
struct SegmentsConfigTests {
    func load(_ extra: String) -> LoadedExperiment {
        ExperimentLoader.parse(yaml: ValidationTests.valid + "\n" + extra, file: "demo.yaml")
    }

    @Test func noSegmentsByDefault() throws {
        let loaded = load("")
        #expect(loaded.problems.isEmpty, "\(loaded.problems)")
        let e = try #require(loaded.experiment)
        #expect(e.analysis.segments.isEmpty)
        #expect(e.analysis.segmentMinimumUnits == SegmentAttributes.defaultMinimumUnits)
    }

    @Test func namesAndMinimumAreRead() throws {
        let loaded = load("segments: [plan, country, app.environment]\nsegment_min_units: 250")
        #expect(loaded.problems.isEmpty, "\(loaded.problems)")
        let e = try #require(loaded.experiment)
        #expect(e.analysis.segments == ["plan", "country", "app.environment"])
        #expect(e.analysis.segmentMinimumUnits == 250)
    }

    @Test func badNamesAreNamedByTheirField() {
        let cases: [(String, String, String)] = [
            ("segments: [plan, plan]", "segments[1]", "named twice"),
            ("segments: [plan, \"9lives\"]", "segments[1]", "start with a letter"),
            ("segments: [\"pl an\"]", "segments[0]", "letters, digits"),
            ("segments: [variant]", "segments[0]", "every exposure already has"),
            ("segments: [a, b, c, d, e, f, g, h, i]", "segments", "at most 8"),
            ("segments: plan", "segments", "expected a list"),
            ("segment_min_units: 0", "segment_min_units", "at least 1"),
        ]
        for (yaml, field, message) in cases {
            let problems = load(yaml).problems
            #expect(problems.contains { $0.field == field && $0.message.contains(message) }, "\(yaml): \(problems)")
        }
    }

    @Test func theFileFormatAndJSONRoundTrip() throws {
        let e = try #require(load("segments: [plan]\nsegment_min_units: 50").experiment)
        let data = try JSONEncoder().encode(e)
        let decoded = try JSONDecoder().decode(Experiment.self, from: data)
        #expect(decoded.analysis.segments == ["plan"])
        #expect(decoded.analysis.segmentMinimumUnits == 50)
        guard case .object(let file) = e.fileFormat else { Issue.record("not an object"); return }
        #expect(file["segments"] == .array([.string("plan")]))
        // Without segments, the stored JSON has no new key (definitions stored before stay byte-identical).
        let plain = try #require(load("").experiment)
        let text = String(decoding: try JSONEncoder().encode(plain), as: UTF8.self)
        #expect(!text.contains("segment"))
    }

    @Test func recordedValuesAreCapped() {
        #expect(SegmentAttributes.recorded(.string("enterprise")) == "enterprise")
        #expect(SegmentAttributes.recorded(.number(3)) == "3")
        #expect(SegmentAttributes.recorded(.bool(true)) == "true")
        #expect(SegmentAttributes.recorded(.null) == nil)
        let long = String(repeating: "é", count: 40)   // 80 bytes
        let cut = SegmentAttributes.recorded(.string(long))!
        #expect(cut.utf8.count == 64 && cut == String(repeating: "é", count: 32))
        let props = SegmentAttributes.properties(["plan", "country"], from: ["plan": .string("pro"), "email": .string("a@b")])
        #expect(props == ["plan": .string("pro")])
    }
}
