import Foundation
import Testing
import RampartCore
@testable import RampartStats
import RampartStore
@testable import RampartAnalysis

extension AlphaSpendingAnalysisTests {
    @Test func aGuardrailRegressionPastTheMaximumStillRollsBack() async throws {
        // The plan's maximum (400 units: max_units, as the ramp-derived maximum this test used before gave; that
        // derivation is gone) was passed on the first day; escalation doubles (margin
        // +25 %). Two days later α-spending alone decides nothing, but the guardrail's watch does: it rolls back.
        var world = Self.world(resolveTreatment: 0.30)
        world.escalate["treatment"] = 0.40
        let events = AnalyzerTests.events(world)
        let store = try SQLiteEventStore(inMemoryWith: .init())
        _ = try await store.ingest(events)
        let state = try Self.state(.alphaSpending(spending: .obrienFleming, maxUnits: 400))
        let now = Self.firstMidnight.addingTimeInterval(2 * Self.day + 3_600)
        let later = try await ExperimentAnalyzer(store: store).analyze(state, now: now)
        #expect(later.experiment.sequentialMethod?.informationFraction == 1)
        let escalation = try treatment(later, "escalation")
        #expect(escalation.outcome == .fail, "\(String(describing: escalation.problem))")
        #expect(later.verdict.action == .rollback, "\(later.verdict.reasons.map(\.message))")
        // The primary is past the maximum: nothing more is decided there.
        #expect(try treatment(later, "resolved").outcome == .inconclusive)
        // Without the watch the same look could not decide: its one-sided boundary is +∞ (α spent at the maximum);
        // with it the bound is the mixture's at 0.2α, tuned at the maximum.
        let look = Self.firstMidnight.addingTimeInterval(2 * Self.day)
        let units = Double(Self.exposed(events, before: look).values.map(\.count).reduce(0, +))
        let plan = AlphaSpendingPlan(maximumUnits: 400, earlierLooks: Self.dayEndUnits(events, before: look), watchShare: 0.2)
        let k = try #require(Inference.spendingMultiplier(plan: plan, alpha: 0.05, oneSided: true, units: units))
        let mixture = try #require(SequentialBoundary.oneSided(alpha: 0.01, tuning: 400).oneSidedMultiplier(units: units))
        #expect(abs(k - mixture) < 1e-12)
        var plain = plan
        plain.watchShare = 0
        #expect(Inference.spendingMultiplier(plan: plain, alpha: 0.05, oneSided: true, units: units) == .infinity)
    }
}
