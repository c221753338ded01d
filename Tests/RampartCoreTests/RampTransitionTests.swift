import Foundation
import Testing
import RampartCore

@Suite("Ramp transitions")
struct RampTransitionTests {
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000)

    static func state(stage: Int = 0, status: ExperimentStatus = .running) -> RolloutState {
        var e = Fixtures.experiment(key: "support")
        e.variants[1].key = "treatment"
        e.ramp = [RampStep(coverage: 0.01), RampStep(coverage: 0.05), RampStep(coverage: 1)]
        e.coverage = e.ramp[stage].coverage
        e.status = status
        return RolloutState(experiment: e, stageStartedAt: t0)
    }

    static func verdict(_ action: VerdictAction) -> Verdict {
        Verdict(action: action, reasons: [VerdictReason(.stageMinimumsMet, "because", decisive: true)])
    }

    @Test func advanceMovesToTheNextStageAndAudits() throws {
        let now = Self.t0.addingTimeInterval(86_400)
        let (next, audit) = try RampTransition.apply(.advance, to: Self.state(), verdict: Self.verdict(.advance), reason: "day one clean", actor: "maria", now: now)
        #expect(next.experiment.coverage == 0.05)
        #expect(next.stageIndex == 1)
        #expect(next.stageStartedAt == now)
        #expect(next.revision == 1)
        #expect(audit.from == "running at 1% (stage 1 of 3)")
        #expect(audit.to == "running at 5% (stage 2 of 3)")
        #expect(audit.actor == "maria")
        #expect(audit.verdict == "ADVANCE: because")
        #expect(!audit.forced)
    }

    @Test func advanceIsRefusedWhenTheVerdictSaysHold() {
        #expect(throws: RampartError.self) {
            try RampTransition.apply(.advance, to: Self.state(), verdict: Self.verdict(.hold), actor: "maria")
        }
    }

    @Test func forceNeedsAReason() throws {
        #expect(throws: RampartError.self) {
            try RampTransition.apply(.advance, to: Self.state(), verdict: Self.verdict(.hold), force: true, actor: "maria")
        }
        let (next, audit) = try RampTransition.apply(.advance, to: Self.state(), verdict: Self.verdict(.hold), force: true, reason: "launch deadline, PM approved", actor: "maria")
        #expect(next.experiment.coverage == 0.05)
        #expect(audit.forced)
        #expect(audit.verdict.hasPrefix("HOLD"))
    }

    @Test func thereIsNoStagePastTheLast() {
        #expect(throws: RampartError.self) {
            try RampTransition.apply(.advance, to: Self.state(stage: 2), verdict: Self.verdict(.advance), actor: "m")
        }
    }

    @Test func rollbackIsAlwaysAllowedAndStops() throws {
        let (next, _) = try RampTransition.apply(.rollback, to: Self.state(), verdict: Self.verdict(.advance), actor: "m")
        #expect(next.experiment.status == .stopped)
    }

    @Test func pauseAndResume() throws {
        let (paused, _) = try RampTransition.apply(.pause, to: Self.state(), verdict: Self.verdict(.hold), actor: "m")
        #expect(paused.experiment.status == .paused)
        #expect(throws: RampartError.self) {
            try RampTransition.apply(.resume, to: paused, verdict: Self.verdict(.rollback), actor: "m")
        }
        let (resumed, _) = try RampTransition.apply(.resume, to: paused, verdict: Self.verdict(.hold), actor: "m")
        #expect(resumed.experiment.status == .running)
        #expect(resumed.experiment.coverage == 0.01)
    }

    @Test func shipNeedsAShipVerdict() throws {
        #expect(throws: RampartError.self) {
            try RampTransition.apply(.ship, to: Self.state(stage: 2), verdict: Self.verdict(.hold), actor: "m")
        }
        let (shipped, _) = try RampTransition.apply(.ship, to: Self.state(stage: 2), verdict: Self.verdict(.ship), actor: "m")
        #expect(shipped.experiment.status == .shipped)
        #expect(shipped.experiment.shippedVariant == "treatment")
        let a = CompiledExperiment(shipped.experiment).assign(unit: "anyone")
        #expect(a.reason == .static && a.variant.key == "treatment")
    }
}
