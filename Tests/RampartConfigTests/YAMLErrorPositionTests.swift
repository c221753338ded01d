import Testing
@testable import RampartConfig

/// Errors Yams raises before validation still point at a line.
@Suite("YAML error positions")
struct YAMLErrorPositionTests {
    func problems(_ yaml: String) -> [ConfigProblem] {
        ExperimentLoader.parse(yaml: yaml, file: "demo.yaml").problems
    }

    @Test func aDuplicateTopLevelKeyPointsAtItsRepetition() {
        let yaml = """
            key: demo
            status: running
            # a comment
            coverage: 0.5

            coverage: 0.25
            """
        let found = problems(yaml)
        #expect(found.count == 1)
        #expect(found.first?.line == 6, "\(found.map(\.description))")
        #expect(found.first?.column == 1)
        #expect(found.first?.message.contains("duplicate keys: coverage") == true)
    }

    @Test func aDuplicateNestedKeyPointsAtItsRepetition() {
        let yaml = """
            key: demo
            variants:
              - key: control
                weight: 0.5
                weight: 0.6
              - key: treatment
            """
        let found = problems(yaml)
        #expect(found.first?.line == 5, "\(found.map(\.description))")
        #expect(found.first?.column == 5)
    }

    @Test func aDuplicateKeyWithoutAFindableRepetitionPointsAtItsFirstOccurrence() {
        let yaml = "key: demo\nmetrics: { a: 1, a: 2 }\n"
        let found = problems(yaml)
        #expect(found.first?.line == 2, "\(found.map(\.description))")
        #expect(found.first?.line != 0)
    }
}
