import Testing
import RampartCore

@Suite("Assignment")
struct AssignmentTests {
    @Test func knownUnitsLandWhereTheHashSays() throws {
        let experiment = CompiledExperiment(Fixtures.experiment(key: "support-answer-prompt"))
        let a = experiment.assign(unit: "user-42")
        let bucket = try #require(Bucketing.hash(seed: "support-answer-prompt", value: "user-42"))
        #expect(a.bucket == bucket)
        #expect(a.variant.key == (bucket < 0.5 ? "control" : "treatment1"))
        #expect(a.enrolled)
        #expect(a.reason == .split)
    }

    @Test func statusDecidesReason() {
        for (status, reason) in [(ExperimentStatus.draft, AssignmentReason.disabled), (.paused, .disabled), (.stopped, .disabled)] {
            let a = CompiledExperiment(Fixtures.experiment(status: status)).assign(unit: "u1")
            #expect(a.reason == reason)
            #expect(!a.enrolled)
            #expect(a.variant.key == "control")
        }
        var shipped = Fixtures.experiment(status: .shipped)
        shipped.shippedVariant = "treatment1"
        let a = CompiledExperiment(shipped).assign(unit: "u1")
        #expect(a.reason == .static)
        #expect(a.variant.key == "treatment1")
        #expect(!a.enrolled)
    }

    @Test func unitsOutsideCoverageGetControlAndDefault() {
        let experiment = CompiledExperiment(Fixtures.experiment(coverage: 0))
        let a = experiment.assign(unit: "u1")
        #expect(a.reason == .default)
        #expect(!a.enrolled)
        #expect(a.variant.key == "control")
        #expect(a.bucket != nil)
    }

    @Test func emptyUnitIsNotEnrolled() {
        let a = CompiledExperiment(Fixtures.experiment()).assign(unit: "")
        #expect(a.reason == .default)
        #expect(!a.enrolled)
    }

    @Test func namespacesKeepExperimentsApart() {
        let left = CompiledExperiment(Fixtures.experiment(key: "left", namespace: Namespace(id: "support_answer", start: 0, end: 0.5)))
        let right = CompiledExperiment(Fixtures.experiment(key: "right", namespace: Namespace(id: "support_answer", start: 0.5, end: 1)))
        var both = 0, leftOnly = 0, rightOnly = 0
        for i in 0..<20_000 {
            let unit = "user-\(i)"
            let l = left.assign(unit: unit).enrolled
            let r = right.assign(unit: unit).enrolled
            if l && r { both += 1 }
            if l && !r { leftOnly += 1 }
            if r && !l { rightOnly += 1 }
        }
        #expect(both == 0)
        #expect(leftOnly > 9_000 && rightOnly > 9_000)
    }

    @Test func phaseEntersTheSeed() {
        #expect(Fixtures.experiment(salt: "s", phase: 0).seed == "s")
        #expect(Fixtures.experiment(salt: "s", phase: 3).seed == "s:3")
    }
}
