import Foundation
import Testing
import RampartAnalysis
import RampartCore
import RampartStore
@testable import RampartCLI

/// The shipped fixtures replayed through the automatic mode, one round a day, as `rampart autopilot --as-of` would
/// run from cron over the fixture's fourteen days (issue 11, item 2). The fixtures were generated at 100 % coverage,
/// so every unit arrives whatever the stage: a stage is left as soon as the verdict allows.
@Suite("Fixture replays", .serialized)
struct FixtureReplayTests {
    /// 2026-06-01T00:00:00Z, the fixtures' first event day.
    static let start = Date(timeIntervalSince1970: 1_780_272_000)

    struct Replay {
        let store: SQLiteEventStore
        /// The rollout after each daily round, by day 1…15.
        var days: [(day: Int, state: RolloutState, verdict: Verdict)] = []

        var stages: [Int] { days.map { $0.state.stageIndex ?? -1 } }
    }

    /// Ingests `fixture`, starts support-answer-prompt at its first stage on the fixture's first day, and runs one
    /// autopilot round at midnight UTC each day until day 15 or until the rollout ends.
    static func replay(_ fixture: String) async throws -> Replay {
        let store = try SQLiteEventStore(inMemoryWith: .init(cacheSizeMiB: 16))
        let reader = try ByteChunkReader(path: FixtureTests.directory.appendingPathComponent("\(fixture).ndjson.gz").path)
        _ = try await NDJSONIngester(parser: EventParser()).run(reader, into: store)
        var experiment = try #require(ExperimentLoaderAccess.load("support-answer-prompt"))
        experiment.coverage = experiment.ramp[0].coverage
        try await store.save(RolloutState(experiment: experiment, stageStartedAt: start), audit: nil)
        var replay = Replay(store: store)
        for day in 1...15 {
            let now = start.addingTimeInterval(Double(day) * 86_400)
            let actions = try await Autopilot(store: store).tick(now: now)
            let state = try #require(try await store.rollout(experiment.key))
            let report = try await ExperimentAnalyzer(store: store).analyze(state, now: now)
            replay.days.append((day, state, report.verdict))
            if actions.isEmpty { break }
        }
        return replay
    }

    @Test func guardrailFixtureNeverLeavesItsFirstStage() async throws {
        let replay = try await Self.replay("support-guardrail")
        // Before issue 11 the autopilot advanced it 1 % → 5 % → 25 % (stage 3 then waits for approval).
        #expect(replay.stages.allSatisfy { $0 == 0 }, "stages by day: \(replay.stages)")
        #expect(!(try await replay.store.auditEntries("support-answer-prompt")).contains { $0.action == "advance" })
        // Once the first stage's minimums are met (day 4: 200 units per variant), it is held on the escalation
        // guardrail's risk, with the probability stated, every day the evidence does not yet prove a regression.
        let held = replay.days.filter { $0.day >= 4 && $0.state.experiment.status == .running }
        #expect(!held.isEmpty)
        for (day, _, verdict) in held {
            #expect(verdict.action == .hold, "day \(day): \(verdict.summary)")
            let reason = verdict.reasons.first { $0.kind == .guardrailAtRisk && $0.metric == "escalation_rate" }
            #expect(reason?.decisive == true, "day \(day): \(verdict.summary)")
            #expect(reason?.message.contains("probability of being beyond its margin +2%") == true)
        }
        // The JSON report carries the probability.
        let report = try await ExperimentAnalyzer(store: replay.store).analyze(try #require(replay.days.last?.state), now: Self.start.addingTimeInterval(14 * 86_400))
        let escalation = report.metrics.first { $0.key == "escalation_rate" }?.variants.first { $0.variant == "treatment" }
        let risk = try #require(escalation?.probabilityBeyondThreshold)
        #expect(risk > 0.9, "P(escalation beyond +2%) = \(risk)")
        #expect(try report.json().contains("\"probability_beyond_threshold\""))
    }

    @Test func aaFixtureAdvancesUntilApprovalIsNeeded() async throws {
        let replay = try await Self.replay("support-aa")
        // 1 % → 5 % → 25 %; stage 3 requires approval, which the autopilot never gives.
        #expect(replay.stages.last == 2, "stages by day: \(replay.stages)")
        #expect(replay.days.allSatisfy { $0.state.experiment.status == .running })
    }

    @Test func winFixtureAdvancesUntilApprovalIsNeeded() async throws {
        let replay = try await Self.replay("support-win")
        #expect(replay.stages.last == 2, "stages by day: \(replay.stages)")
        #expect(replay.days.allSatisfy { $0.state.experiment.status == .running })
    }
}
