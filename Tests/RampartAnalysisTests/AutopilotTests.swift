import Foundation
import Testing
import RampartCore
import RampartStore
@testable import RampartAnalysis

@Suite("Autopilot")
struct AutopilotTests {
    static func run(_ world: AnalyzerTests.World, requiresApproval: Bool = false) async throws -> (Autopilot.Action, SQLiteEventStore) {
        var e = try AnalyzerTests.experiment()
        e.coverage = 0.5
        e.ramp[0].requiresApproval = requiresApproval
        let store = try await AnalyzerTests.store(world)
        try await store.save(RolloutState(experiment: e, stageIndex: 0, stageStartedAt: AnalyzerTests.start), audit: nil)
        let actions = try await Autopilot(store: store).tick(now: AnalyzerTests.start.addingTimeInterval(3 * 86_400))
        return (try #require(actions.first), store)
    }

    @Test func advancesWhenTheVerdictSaysSo() async throws {
        let (action, store) = try await Self.run(AnalyzerTests.World())
        #expect(action.verdict == .advance)
        #expect(action.applied?.actor == "autopilot")
        #expect(try await store.rollout("demo")?.experiment.coverage == 1)
        #expect(try await store.auditEntries("demo").map(\.action) == ["advance"])
    }

    /// Two runs at once (cron jobs that overlap, or a replica and a cron job): the advance is applied once, and
    /// the run that finds the rollout changed under it reports that instead of failing.
    @Test func overlappingRunsAdvanceOnceAndNeitherFails() async throws {
        var e = try AnalyzerTests.experiment()
        e.coverage = 0.5
        let store = try await AnalyzerTests.store(AnalyzerTests.World())
        try await store.save(RolloutState(experiment: e, stageIndex: 0, stageStartedAt: AnalyzerTests.start), audit: nil)
        let now = AnalyzerTests.start.addingTimeInterval(3 * 86_400)
        async let first = Autopilot(store: store).tick(now: now)
        async let second = Autopilot(store: store).tick(now: now)
        let actions = try await first + second
        #expect(actions.filter { $0.applied != nil }.count == 1)
        #expect(try await store.auditEntries("demo").map(\.action) == ["advance"])
        #expect(try await store.rollout("demo")?.experiment.coverage == 1)
    }

    @Test func rollsBackARegression() async throws {
        var world = AnalyzerTests.World()
        world.escalate["treatment"] = 0.30
        let (action, store) = try await Self.run(world)
        #expect(action.verdict == .rollback)
        #expect(try await store.rollout("demo")?.experiment.status == .stopped)
    }

    /// An experiment with no ramp plan below full coverage has no next stage (found by QA in session 29: its verdict
    /// was ADVANCE, and the transition's "no next stage" ended the whole run). Its verdict is HOLD now, naming the
    /// missing plan, and the run leaves it alone; a refused transition would still only skip that experiment.
    @Test func anExperimentWithNoNextStageHoldsAndIsLeftAlone() async throws {
        var e = try AnalyzerTests.experiment()
        e.ramp = []
        e.coverage = 0.5
        let store = try await AnalyzerTests.store(AnalyzerTests.World())
        try await store.save(RolloutState(experiment: e, stageIndex: nil, stageStartedAt: AnalyzerTests.start), audit: nil)
        let actions = try await Autopilot(store: store).tick(now: AnalyzerTests.start.addingTimeInterval(3 * 86_400))
        let action = try #require(actions.first)
        #expect(action.verdict == .hold)
        #expect(action.applied == nil)
        #expect(try await store.rollout("demo")?.experiment.coverage == 0.5)
        #expect(try await store.auditEntries("demo").isEmpty)
    }

    @Test func neverLeavesAStageThatRequiresApproval() async throws {
        let (action, store) = try await Self.run(AnalyzerTests.World(), requiresApproval: true)
        #expect(action.verdict == .advance)
        #expect(action.applied == nil)
        #expect(action.skipped?.contains("requires approval") == true)
        #expect(try await store.rollout("demo")?.experiment.coverage == 0.5)
    }
}
