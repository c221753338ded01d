import Testing
import RampartCore

/// Values printed by scripts/bucketing_reference.py, an independent Python implementation (docs/bucketing.md).
@Suite("Reference assignments")
struct ReferenceAssignmentTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var unit: String
        var inner: UInt32
        var outer: UInt32
        var bucket: Double
        /// The variant at coverages 1 %, 5 %, 25 %, 50 % and 100 %; nil when not enrolled.
        var variants: [String?]
        var testDescription: String { unit }
    }

    static let cases: [Case] = [
        Case(unit: "user-1", inner: 3_424_052_947, outer: 1_972_070_283, bucket: 0.0283, variants: [nil, nil, "control", "control", "control"]),
        Case(unit: "user-2", inner: 3_440_830_566, outer: 684_014_344, bucket: 0.4344, variants: [nil, nil, nil, nil, "control"]),
        Case(unit: "user-3", inner: 3_457_608_185, outer: 3_461_820_068, bucket: 0.0068, variants: [nil, "control", "control", "control", "control"]),
        Case(unit: "user-42", inner: 3_205_831_706, outer: 3_892_599_432, bucket: 0.9432, variants: [nil, nil, nil, nil, "treatment"]),
        Case(unit: "user-1001", inner: 3_342_880_270, outer: 3_314_173_192, bucket: 0.3192, variants: [nil, nil, nil, nil, "control"]),
    ]

    @Test(arguments: cases)
    func matchesThePythonImplementation(_ c: Case) {
        let seed = "support-answer-prompt"
        #expect(FNV1a.hash(seed + c.unit) == c.inner)
        #expect(FNV1a.hash(String(c.inner)) == c.outer)
        #expect(Bucketing.hash(seed: seed, value: c.unit) == c.bucket)
        for (coverage, expected) in zip([0.01, 0.05, 0.25, 0.5, 1.0], c.variants) {
            var experiment = Fixtures.experiment(key: seed, coverage: coverage)
            experiment.variants[1].key = "treatment"
            let a = CompiledExperiment(experiment).assign(unit: c.unit)
            #expect((a.enrolled ? a.variant.key : nil) == expected, "coverage \(coverage)")
        }
    }

    @Test func phaseTwoSeed() {
        #expect(Bucketing.hash(seed: "support-answer-prompt:2", value: "user-42") == 0.3991)
    }
}
