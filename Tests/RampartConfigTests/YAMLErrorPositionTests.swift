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

    /// Found by the FuzzExperimentYAML fuzzer (input " Is "): the problem had an empty field.
    @Test func aDocumentThatIsNotAMappingNamesTheFile() {
        for yaml in [" Is ", "- a\n- b\n", "42"] {
            let found = problems(yaml)
            #expect(found.count == 1, "\(found.map(\.description))")
            #expect(found.first?.field == "(file)", "\(found.map(\.description))")
            #expect(found.first?.message.hasPrefix("expected a mapping") == true)
        }
    }

    @Test func aDuplicateKeyWithoutAFindableRepetitionPointsAtItsFirstOccurrence() {
        let yaml = "key: demo\nmetrics: { a: 1, a: 2 }\n"
        let found = problems(yaml)
        #expect(found.first?.line == 2, "\(found.map(\.description))")
        #expect(found.first?.line != 0)
    }
}

/// Found by `FuzzExperimentYAML`: a document with lone carriage returns, which Yams counts as line breaks, and a
/// repeated key put the error's line past the last "\n"-separated line and crashed the loader.
@Test func aRepeatedKeyAfterLoneCarriageReturnsIsAnErrorNotACrash() {
    #expect(ExperimentLoader.repetition(of: "key", after: SourcePosition(line: 40, column: 1), in: "key: 1\r\r\rkey: 2") == nil)
    let text = "# note\r\r\r\r\r\r\rkey: a\nname: x\nkey: b\n"
    let loaded = ExperimentLoader.parse(yaml: text, file: "cr.yaml")
    #expect(loaded.experiment == nil)
    #expect(loaded.problems.contains { "\($0)".contains("duplicate keys: key") })
}
