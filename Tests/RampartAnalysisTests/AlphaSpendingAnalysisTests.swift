import Foundation
import Testing
import RampartCore
import RampartStats
import RampartStore
@testable import RampartAnalysis

/// The analyzer with `sequential_method: alpha_spending`: looks at UTC day ends, the boundary at the actual looks,
/// the report's fields, and the overrun rule.
@Suite("Alpha-spending analysis")
struct AlphaSpendingAnalysisTests {
    /// AnalyzerTests' world spread over ~4 days: 12,000 units, one exposed every 30 s from 2026-05-28T20:26:40Z.
    static func world(resolveTreatment: Double = 0.36) -> AnalyzerTests.World {
        var world = AnalyzerTests.World()
        world.spacing = 30
        world.resolve["treatment"] = resolveTreatment
        return world
    }

    static func state(_ design: SequentialDesign) throws -> RolloutState {
        var e = try AnalyzerTests.experiment()
        e.analysis.sequentialMethod = design
        e.coverage = e.ramp[1].coverage
        return RolloutState(experiment: e, stageIndex: 1, stageStartedAt: AnalyzerTests.start)
    }

    static let design = SequentialDesign.alphaSpending(spending: .obrienFleming, maxUnits: 12_000)
    static let day = 86_400.0
    /// Midnight UTC after the first exposures (2026-05-29T00:00:00Z).
    static let firstMidnight = Date(timeIntervalSince1970: (AnalyzerTests.start.timeIntervalSince1970 / day).rounded(.up) * day)

    func treatment(_ r: ExperimentReport, _ metric: String) throws -> VariantResult {
        try #require(r.metrics.first { $0.key == metric }?.variants.first { $0.variant == "treatment" })
    }

    @Test func readingTwiceTheSameDayGivesTheSameDecision() async throws {
        let store = try await AnalyzerTests.store(Self.world())
        let analyzer = ExperimentAnalyzer(store: store)
        let state = try Self.state(Self.design)
        // Day 3 (from 2 days after the first midnight): units keep arriving between 01:00 and 23:00.
        let morning = Self.firstMidnight.addingTimeInterval(2 * Self.day + 3_600)
        let evening = Self.firstMidnight.addingTimeInterval(2 * Self.day + 23 * 3_600)
        let a = try await analyzer.analyze(state, now: morning)
        let b = try await analyzer.analyze(state, now: evening)
        #expect(a.units.enrolled != b.units.enrolled, "data arrived between the reads")
        let lookAt = Self.firstMidnight.addingTimeInterval(2 * Self.day - 0.001)
        func near(_ x: Date?, _ y: Date) -> Bool { abs((x?.timeIntervalSince1970 ?? 0) - y.timeIntervalSince1970) < 1e-6 }
        #expect(near(a.experiment.sequentialMethod?.lookAt, lookAt))
        #expect(near(b.experiment.sequentialMethod?.lookAt, lookAt))
        for metric in ["resolved", "escalation", "p95", "cost_per_resolved"] {
            let x = try treatment(a, metric), y = try treatment(b, metric)
            #expect(x.outcome == y.outcome, "\(metric)")
            #expect(x.relative?.sequential == y.relative?.sequential, "\(metric)")
            #expect(x.guardrailBounds?.lower == y.guardrailBounds?.lower && x.guardrailBounds?.upper == y.guardrailBounds?.upper, "\(metric)")
        }
        #expect(a.verdict.action == b.verdict.action)
        // The metrics' reasons are the look's; stage minimums and SRM read the data as of the moment, as before.
        #expect(a.verdict.reasons.filter { $0.metric != nil }.map(\.message) == b.verdict.reasons.filter { $0.metric != nil }.map(\.message))
        #expect(a.verdict.reasons.filter { $0.metric != nil }.count == 4)
        // The next day's read is the next look.
        let next = try await analyzer.analyze(state, now: evening.addingTimeInterval(2 * 3_600))
        #expect(near(next.experiment.sequentialMethod?.lookAt, lookAt.addingTimeInterval(Self.day)))
        #expect(next.experiment.sequentialMethod?.looks == (a.experiment.sequentialMethod?.looks ?? 0) + 1)
        #expect(try treatment(next, "resolved").relative?.sequential != treatment(a, "resolved").relative?.sequential)
    }

    @Test func theIntervalIsTheBoundaryAtTheDayEndLooks() async throws {
        let world = Self.world()
        let events = AnalyzerTests.events(world)
        let store = try SQLiteEventStore(inMemoryWith: .init())
        _ = try await store.ingest(events)
        let now = Self.firstMidnight.addingTimeInterval(2 * Self.day + 12 * 3_600)
        let r = try await ExperimentAnalyzer(store: store).analyze(try Self.state(Self.design), now: now)
        // Recount from the events: the look is 2026-05-30T23:59:59.999Z, the earlier looks the day ends before it.
        let look = Self.firstMidnight.addingTimeInterval(2 * Self.day)
        let arms = Self.resolved(events, before: look)
        let plan = AlphaSpendingPlan(spending: .obrienFleming, maximumUnits: 12_000, earlierLooks: Self.dayEndUnits(events, before: look))
        #expect(plan.earlierLooks.count == 2)
        let direct = EffectTest(settings: TestSettings(sequential: true, sequentialMethod: .alphaSpending(plan)))
            .compare(control: arms.control, treatment: arms.treatment)
        let expected = direct.relative
        let reported = try #require(try treatment(r, "resolved").relative?.sequential)
        #expect(abs((reported.lower ?? .nan) - (expected.lower ?? .nan)) < 1e-12, "\(reported) vs \(expected)")
        #expect(abs((reported.upper ?? .nan) - (expected.upper ?? .nan)) < 1e-12)
        #expect(r.experiment.sequentialMethod?.looks == 3)
        // The boundary is not the mixture's: the same data with the mixture gives another interval.
        let mixture = try await ExperimentAnalyzer(store: store).analyze(try Self.state(.mixture), now: now)
        #expect(try treatment(mixture, "resolved").relative?.sequential.lower != reported.lower)
    }

    @Test func theReportNamesTheMethodAndItsParameters() async throws {
        let store = try await AnalyzerTests.store(Self.world())
        let now = Self.firstMidnight.addingTimeInterval(Self.day + 3_600)
        let spending = try await ExperimentAnalyzer(store: store).analyze(try Self.state(Self.design), now: now)
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(spending)) as? [String: Any])
        let method = try #require((json["experiment"] as? [String: Any])?["sequential_method"] as? [String: Any])
        #expect(method["method"] as? String == "alpha_spending")
        #expect(method["spending"] as? String == "obrien_fleming")
        #expect(method["max_units"] as? Int == 12_000)
        #expect(method["max_units_from"] as? String == "max_units")
        #expect(method["looks"] as? Int == 2)
        let fraction = try #require(method["information_fraction"] as? Double)
        #expect(fraction > 0 && fraction < 1)
        #expect(method["look_at"] != nil)
        #expect(method["guardrail_watch_share"] as? Double == 0.2)
        for text in [spending.text, spending.markdown, spending.html] {
            #expect(text.contains("alpha-spending, obrien_fleming, max 12000 units from max_units; look at 2026-05-29T23:59:59"), "\(text.prefix(2_000))")
        }
        // Without max_units: calendar time, the default horizon; the look at the second UTC day end is day 2.
        let calendar = try await ExperimentAnalyzer(store: store).analyze(try Self.state(.alphaSpending(spending: .pocock, maxUnits: nil)), now: now)
        let c = try #require(calendar.experiment.sequentialMethod)
        #expect(c.information == "calendar" && c.horizonDays == 28 && c.lookDay == 2 && c.looks == 2)
        #expect(c.maxUnits == nil && c.maxUnitsFrom == nil && c.spending == "pocock")
        #expect(abs((c.informationFraction ?? 0) - 2.0 / 28) < 1e-12)
        #expect(calendar.text.contains("alpha-spending, pocock, calendar, horizon 28 days; look at 2026-05-29T23:59:59"), "\(calendar.text.prefix(2_000))")
        #expect(calendar.text.contains("day 2, 2 looks"))
        let calendarJSON = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(calendar)) as? [String: Any])
        let calendarMethod = try #require((calendarJSON["experiment"] as? [String: Any])?["sequential_method"] as? [String: Any])
        #expect(calendarMethod["information"] as? String == "calendar")
        #expect(calendarMethod["horizon_days"] as? Int == 28)
        #expect(calendarMethod["look_day"] as? Int == 2)
        #expect(calendarMethod["max_units"] == nil)
        #expect(method["information"] as? String == "units")
        // A file without sequential_method gets the same design (the default).
        let byDefault = try await ExperimentAnalyzer(store: store).analyze(RolloutState(
            experiment: try AnalyzerTests.experiment(), stageIndex: 1, stageStartedAt: AnalyzerTests.start
        ), now: now)
        #expect(byDefault.experiment.sequentialMethod?.information == "calendar")
        #expect(byDefault.experiment.sequentialMethod?.horizonDays == SequentialDesign.defaultHorizonDays)
        #expect(byDefault.experiment.sequentialMethod?.spending == "obrien_fleming")
        let mixture = try await ExperimentAnalyzer(store: store).analyze(try Self.state(.mixture), now: now)
        #expect(mixture.experiment.sequentialMethod == SequentialMethodSummary(method: "mixture", tuning: 5_000))
    }

    @Test func afterTheOverrunLookNothingMoreIsDecided() async throws {
        // A big win, but the plan's maximum (400 units; this test used the ramp-derived maximum, 2 × 100 × 2, which
        // no longer exists: max_units now states it) was passed on the first day: that look spent all of α, and later
        // looks cannot decide.
        let store = try await AnalyzerTests.store(Self.world(resolveTreatment: 0.45))
        let state = try Self.state(.alphaSpending(spending: .obrienFleming, maxUnits: 400))
        let firstLook = try await ExperimentAnalyzer(store: store).analyze(state, now: Self.firstMidnight.addingTimeInterval(3_600))
        #expect(firstLook.experiment.sequentialMethod?.informationFraction == 1)
        #expect(try treatment(firstLook, "resolved").outcome == .pass)
        let later = try await ExperimentAnalyzer(store: store).analyze(state, now: Self.firstMidnight.addingTimeInterval(2 * Self.day + 3_600))
        let primary = try treatment(later, "resolved")
        #expect(primary.outcome == .inconclusive, "\(String(describing: primary.problem))")
        #expect(primary.problem?.contains("max_units") == true)
        #expect(later.verdict.action == .hold)
    }

    @Test func pastTheCalendarHorizonNothingMoreIsDecided() async throws {
        // Calendar time with a 2-day horizon: day 2's look spends what is left of α; from day 3 on the primary's
        // interval is (−∞, ∞), so the big win is no longer decided and the last stage holds.
        let store = try await AnalyzerTests.store(Self.world(resolveTreatment: 0.45))
        var state = try Self.state(.alphaSpending(spending: .obrienFleming, maxUnits: nil, horizonDays: 2))
        state.stageIndex = state.experiment.ramp.count - 1
        state.experiment.coverage = state.experiment.ramp[state.stageIndex ?? 0].coverage
        let analyzer = ExperimentAnalyzer(store: store)
        let atHorizon = try await analyzer.analyze(state, now: Self.firstMidnight.addingTimeInterval(Self.day + 3_600))
        #expect(atHorizon.experiment.sequentialMethod?.lookDay == 2)
        #expect(atHorizon.experiment.sequentialMethod?.informationFraction == 1)
        let decided = try treatment(atHorizon, "resolved")
        #expect(decided.outcome == .pass, "\(String(describing: decided.problem))")
        #expect(decided.relative?.sequential.upper?.isFinite == true)
        let later = try await analyzer.analyze(state, now: Self.firstMidnight.addingTimeInterval(2 * Self.day + 3_600))
        #expect(later.experiment.sequentialMethod?.lookDay == 3)
        let primary = try treatment(later, "resolved")
        #expect(primary.outcome == .inconclusive, "\(String(describing: primary.problem))")
        #expect(primary.problem?.contains("the horizon of 2 days passed without a decision") == true)
        #expect(later.verdict.action == .hold)
        #expect(later.verdict.reasons.contains { $0.kind == .primaryInconclusive && $0.message.contains("the horizon of 2 days passed") }, "\(later.verdict.reasons)")
        // A guardrail keeps its always-valid watch past the horizon: its bound stays finite.
        let guardrail = try treatment(later, "escalation")
        #expect(guardrail.guardrailBounds?.upper?.isFinite == true)
    }

    @Test func theCalendarIntervalIsTheBoundaryAtTheDayEndLooks() async throws {
        // The default design: units give the covariance, the day of each look (over the horizon) the α it spends.
        let world = Self.world()
        let events = AnalyzerTests.events(world)
        let store = try SQLiteEventStore(inMemoryWith: .init())
        _ = try await store.ingest(events)
        let now = Self.firstMidnight.addingTimeInterval(2 * Self.day + 12 * 3_600)
        let state = try Self.state(.alphaSpending(spending: .obrienFleming, maxUnits: nil, horizonDays: 5))
        let r = try await ExperimentAnalyzer(store: store).analyze(state, now: now)
        let look = Self.firstMidnight.addingTimeInterval(2 * Self.day)
        let arms = Self.resolved(events, before: look)
        let plan = AlphaSpendingPlan(
            spending: .obrienFleming, maximumUnits: 5_000, earlierLooks: Self.dayEndUnits(events, before: look),
            calendar: .init(horizonDays: 5, earlierDays: [1, 2], days: 3)
        )
        let direct = EffectTest(settings: TestSettings(sequential: true, sequentialMethod: .alphaSpending(plan)))
            .compare(control: arms.control, treatment: arms.treatment).relative
        let reported = try #require(try treatment(r, "resolved").relative?.sequential)
        #expect(abs((reported.lower ?? .nan) - (direct.lower ?? .nan)) < 1e-12, "\(reported) vs \(direct)")
        #expect(abs((reported.upper ?? .nan) - (direct.upper ?? .nan)) < 1e-12)
        // Not the units design with the same looks: τ = 3/5 here against units/max there.
        var units = plan
        units.calendar = nil
        units.maximumUnits = 12_000
        let byUnits = EffectTest(settings: TestSettings(sequential: true, sequentialMethod: .alphaSpending(units)))
            .compare(control: arms.control, treatment: arms.treatment).relative
        #expect(abs((byUnits.lower ?? .nan) - (direct.lower ?? .nan)) > 1e-6)
    }

    @Test func aDayWithoutNewUnitsIsNotANewLook() async throws {
        // The world's exposures end early on day 6 (2026-06-02); read on days 8 and 11 the look is still day 6's:
        // same information, same boundary, same decision, and the horizon's clock does not spend α on no data.
        let store = try await AnalyzerTests.store(Self.world())
        let state = try Self.state(.alphaSpending(spending: .obrienFleming, maxUnits: nil, horizonDays: 8))
        let analyzer = ExperimentAnalyzer(store: store)
        let day8 = try await analyzer.analyze(state, now: Self.firstMidnight.addingTimeInterval(7 * Self.day + 3_600))
        let day11 = try await analyzer.analyze(state, now: Self.firstMidnight.addingTimeInterval(10 * Self.day + 3_600))
        #expect(day8.experiment.sequentialMethod?.lookDay == 6, "\(String(describing: day8.experiment.sequentialMethod))")
        #expect(day11.experiment.sequentialMethod?.lookDay == 6)
        #expect(abs((day11.experiment.sequentialMethod?.informationFraction ?? 0) - 6.0 / 8) < 1e-12)
        let a = try treatment(day8, "resolved"), b = try treatment(day11, "resolved")
        #expect(a.relative?.sequential == b.relative?.sequential)
        #expect(b.relative?.sequential.upper?.isFinite == true, "day 11 is past the 8-day horizon, but no look after day 6 added units")
    }
}
