import Foundation
import Testing
import RampartCore

/// Importing an experiment file over a stored definition (issue 11, item 3): which source wins, and what is audited.
@Suite("Definition import")
struct DefinitionImportTests {
    static func file(margin: Double = 0.02, name: String = "resolution", weights: [Double] = [0.5, 0.5], coverage: Double = 0.01) -> Experiment {
        var e = Fixtures.experiment(key: "support", weights: weights, coverage: coverage)
        e.status = .running
        e.ramp = [RampStep(coverage: 0.01), RampStep(coverage: 0.05), RampStep(coverage: 1)]
        e.metrics = [
            MetricDefinition(key: "resolution_rate", name: name, role: .primary, kind: .proportion, event: "support_ticket_resolved"),
            MetricDefinition(key: "escalation_rate", role: .guardrail, kind: .proportion, event: "llm_task_completed", direction: .decrease, threshold: .relativeMargin(margin)),
        ]
        return e
    }

    /// The stored rollout as the file left it, ramped to 5 %.
    static func stored(_ e: Experiment) -> RolloutState {
        var s = RolloutState(experiment: e, revision: 3)
        s.experiment.coverage = 0.05
        s.stageIndex = 1
        s.stageStartedAt = Date(timeIntervalSince1970: 1_780_100_000)
        return s
    }

    static func decide(file: Experiment, stored: RolloutState?, base: Experiment?, seen: Experiment? = nil, changedByAPI: Bool = false, filesWin: Bool = false) -> DefinitionImport.Decision {
        DefinitionImport.decide(
            file: file, stored: stored, base: base.map(DefinitionImport.comparable), seen: seen.map(DefinitionImport.comparable),
            changedByAPI: changedByAPI, filesWin: filesWin, source: "experiments/"
        )
    }

    @Test func aNewKeyIsInsertedWithoutAStageStartAndAudited() throws {
        let d = Self.decide(file: Self.file(), stored: nil, base: nil)
        #expect(d.outcome == .inserted)
        let state = try #require(d.state)
        #expect(state.stageStartedAt == nil, "the first stage starts with the first exposure, not at the import")
        #expect(state.stageIndex == 0 && state.revision == 0)
        #expect(d.audit?.action == "import" && d.audit?.actor == "file" && d.audit?.from == "absent")
        #expect(d.base == DefinitionImport.comparable(Self.file()))
    }

    @Test func aFileThatMatchesChangesNothing() {
        let d = Self.decide(file: Self.file(), stored: Self.stored(Self.file()), base: Self.file())
        #expect(d.outcome == .unchanged)
        #expect(d.state == nil && d.audit == nil && d.message.isEmpty)
    }

    @Test func anEditedFileIsAppliedWhenTheStoreDidNotChangeKeepingTheRollout() throws {
        let d = Self.decide(file: Self.file(margin: 0.03), stored: Self.stored(Self.file()), base: Self.file())
        #expect(d.outcome == .applied)
        let state = try #require(d.state)
        #expect(state.experiment.metrics[1].threshold == .relativeMargin(0.03))
        #expect(state.experiment.coverage == 0.05 && state.stageIndex == 1, "the rollout's coverage and stage are kept")
        #expect(state.stageStartedAt == Date(timeIntervalSince1970: 1_780_100_000))
        #expect(state.revision == 4)
        #expect(d.audit?.action == "import" && d.audit?.forced == false)
        #expect(d.audit?.reason.contains("metrics") == true)
        #expect(d.base == DefinitionImport.comparable(Self.file(margin: 0.03)))
    }

    /// The case: a PUT set the margin to 0.05; the file (unchanged since its import) says 0.02.
    @Test func anUnchangedFileNeverUndoesAnAPIChange() {
        let api = Self.stored(Self.file(margin: 0.05))
        let d = Self.decide(file: Self.file(), stored: api, base: Self.file(), seen: Self.file())
        #expect(d.outcome == .kept)
        #expect(d.state == nil, "the stored definition is not touched")
        #expect(d.audit == nil)
        #expect(d.base == DefinitionImport.comparable(Self.file()), "the base stays the file as imported")
        #expect(d.message.contains("changed through the API") && d.message.contains(DefinitionImport.overrideFlag))
    }

    @Test func whenBothChangedTheStoreIsKeptAndTheDeclineAuditedOncePerFileVersion() {
        let api = Self.stored(Self.file(margin: 0.05))
        let first = Self.decide(file: Self.file(name: "Resolution"), stored: api, base: Self.file(), seen: Self.file())
        #expect(first.outcome == .declined)
        #expect(first.state == nil)
        #expect(first.audit?.action == "import_declined")
        #expect(first.audit?.from == first.audit?.to)
        #expect(first.isWarning)
        #expect(first.seen == DefinitionImport.comparable(Self.file(name: "Resolution")))
        #expect(first.base == DefinitionImport.comparable(Self.file()), "the base is not moved by a decline")
        // The next import of the same file is still declined (logged) but not audited again.
        let again = Self.decide(file: Self.file(name: "Resolution"), stored: api, base: Self.file(), seen: Self.file(name: "Resolution"))
        #expect(again.outcome == .declined)
        #expect(again.audit == nil)
    }

    @Test func filesWinOnlyWithTheFlagAndThatIsAuditedAsForced() throws {
        let api = Self.stored(Self.file(margin: 0.05))
        let d = Self.decide(file: Self.file(), stored: api, base: Self.file(), filesWin: true)
        #expect(d.outcome == .overridden)
        let state = try #require(d.state)
        #expect(state.experiment.metrics[1].threshold == .relativeMargin(0.02))
        #expect(state.experiment.coverage == 0.05)
        #expect(d.audit?.action == "import" && d.audit?.forced == true)
        #expect(d.audit?.reason.contains(DefinitionImport.overrideFlag) == true)
        #expect(d.isWarning)
    }

    @Test func aReshufflingFileIsRefusedEvenWhenFilesWin() {
        for filesWin in [false, true] {
            let d = Self.decide(file: Self.file(weights: [0.3, 0.7]), stored: Self.stored(Self.file()), base: Self.file(), filesWin: filesWin)
            #expect(d.outcome == .refused)
            #expect(d.state == nil)
            #expect(d.audit?.action == "import_refused")
            #expect(d.message.contains("new phase"))
        }
    }

    /// Rollouts stored before the base was recorded: the audit log says whether the API changed them.
    @Test func withoutABaseTheAuditLogDecides() {
        let stored = Self.stored(Self.file())
        #expect(Self.decide(file: Self.file(margin: 0.03), stored: stored, base: nil, changedByAPI: false).outcome == .applied)
        #expect(Self.decide(file: Self.file(margin: 0.03), stored: stored, base: nil, changedByAPI: true).outcome == .declined)
    }

    @Test func aPhaseBumpInTheFileRestartsTheStageClockFromTheNewPhasesExposures() throws {
        var next = Self.file()
        next.phase = 1
        next.variants[0].weight = 0.4
        next.variants[1].weight = 0.6
        let d = Self.decide(file: next, stored: Self.stored(Self.file()), base: Self.file())
        #expect(d.outcome == .applied)
        #expect(try #require(d.state).stageStartedAt == nil)
    }

    @Test func changedFieldsNameTheFileFields() {
        var b = Self.file(margin: 0.05)
        b.targeting = ["plan": "pro"]
        #expect(DefinitionImport.changedFields(from: Self.file(), to: b) == ["targeting", "metrics"])
        #expect(DefinitionImport.changedFields(from: Self.file(), to: Self.file()).isEmpty)
    }
}

/// A stage's start is a recorded fact, never after the moment analysed (issue 11, item 5).
@Suite("Stage start")
struct StageStartTests {
    static let t0 = Date(timeIntervalSince1970: 1_780_272_000)

    static func state(recorded: Date?) -> RolloutState {
        var e = Fixtures.experiment(key: "support")
        e.ramp = [RampStep(coverage: 0.01, minDuration: 86_400), RampStep(coverage: 1)]
        e.coverage = 0.01
        return RolloutState(experiment: e, stageStartedAt: recorded)
    }

    @Test func theFirstStageStartsWithTheFirstExposure() {
        let s = Self.state(recorded: nil)
        let first = Self.t0.addingTimeInterval(60)
        #expect(s.resolvedStageStart(firstExposure: first, now: Self.t0.addingTimeInterval(86_400)) == StageStart(at: first, source: .firstExposure))
        #expect(s.resolvedStageStart(firstExposure: nil, now: Self.t0) == nil, "no exposure yet: not started")
        #expect(s.resolvedStageStart(firstExposure: first, now: Self.t0) == nil, "never after the moment analysed")
    }

    @Test func aRampActionIsTheStartOfTheStageItEntered() {
        let advanced = Self.t0.addingTimeInterval(2 * 86_400)
        let s = Self.state(recorded: advanced)
        #expect(s.resolvedStageStart(firstExposure: Self.t0, now: advanced.addingTimeInterval(3_600)) == StageStart(at: advanced, source: .rampAction))
        #expect(s.resolvedStageStart(firstExposure: Self.t0, now: Self.t0.addingTimeInterval(86_400)) == nil, "a replay before the action: the stage had not started")
    }

    @Test func theVerdictHoldsWhileTheStageHasNotStarted() {
        let s = Self.state(recorded: nil)
        let snapshot = ExperimentSnapshot(
            experiment: s.experiment, stageIndex: 0, stageStartedAt: nil, now: Self.t0,
            unitsPerVariant: ["control": 0, "treatment": 0], srmPValue: nil, assessments: []
        )
        let verdict = VerdictPolicy.decide(snapshot)
        #expect(verdict.action == .hold)
        #expect(verdict.reasons.contains { $0.kind == .stageTooShort && $0.decisive && $0.message.contains("had not started") })
    }
}
