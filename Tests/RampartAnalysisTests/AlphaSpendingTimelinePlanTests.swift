import Foundation
import Testing
import RampartCore
@testable import RampartStats
import RampartStore
@testable import RampartAnalysis

extension AlphaSpendingAnalysisTests {
    @Test func aTimelinePointIsTheDesignsIntervalAtThatMoment() async throws {
        let events = AnalyzerTests.events(Self.world())
        let store = try SQLiteEventStore(inMemoryWith: .init())
        _ = try await store.ingest(events)
        let now = Self.firstMidnight.addingTimeInterval(2 * Self.day + 12 * 3_600)
        let r = try await ExperimentAnalyzer(store: store).analyze(try Self.state(Self.design), now: now)
        let mixture = try await ExperimentAnalyzer(store: store).analyze(try Self.state(.mixture), now: now)
        // The point at the end of the second full day, and the last point (the moment of the read, mid-day 3).
        for moment in [Self.firstMidnight.addingTimeInterval(2 * Self.day), now] {
            let point = try #require(r.timeline.first { $0.variant == "treatment" && abs($0.at.timeIntervalSince(moment)) < 1 }, "\(r.timeline.map(\.at))")
            let arms = Self.resolved(events, before: moment.addingTimeInterval(0.001))
            let plan = AlphaSpendingPlan(spending: .obrienFleming, maximumUnits: 12_000, earlierLooks: Self.dayEndUnits(events, before: moment))
            let direct = EffectTest(settings: TestSettings(sequential: true, sequentialMethod: .alphaSpending(plan))).compare(control: arms.control, treatment: arms.treatment).relative
            let shown = try #require(point.relative)
            #expect(point.units == arms.treatment.units)
            #expect(abs((shown.lower ?? .nan) - (direct.lower ?? .nan)) < 1e-12, "\(shown) vs \(direct)")
            #expect(abs((shown.upper ?? .nan) - (direct.upper ?? .nan)) < 1e-12)
            // Not the mixture's interval.
            let other = try #require(mixture.timeline.first { $0.variant == "treatment" && abs($0.at.timeIntervalSince(moment)) < 1 })
            #expect(other.relative?.lower != shown.lower)
        }
    }

    @Test func thePlanProjectsTheDesignsLooks() async throws {
        let events = AnalyzerTests.events(Self.world())
        let store = try SQLiteEventStore(inMemoryWith: .init())
        _ = try await store.ingest(events)
        let now = Self.firstMidnight.addingTimeInterval(Self.day + 12 * 3_600)
        var analyzer = ExperimentAnalyzer(store: store)
        analyzer.planning = PlanSettings(power: 0.8, primaryEffect: 0.1)
        let design = SequentialDesign.alphaSpending(spending: .obrienFleming, maxUnits: 40_000)
        let r = try await analyzer.analyze(try Self.state(design), now: now)
        let row = try #require(r.plan?.metrics.first { $0.metric == "resolved" && $0.variant == "treatment" })
        let days = try #require(row.daysRemaining, "\(String(describing: row.problem))")
        let rate = try #require(row.unitsPerDay)
        // Directly: s from the arms now, looks a day's traffic apart after the day ends so far.
        let arms = Self.resolved(events, before: now.addingTimeInterval(0.001))
        let t = Double(arms.control.units + arms.treatment.units)
        #expect(Double(row.units) == t)
        let se = try #require(EffectTest(settings: TestSettings(sequential: false)).compare(control: arms.control, treatment: arms.treatment).relative.standardError)
        let s = se * t.squareRoot()
        let boundary = AlphaSpendingBoundary(alpha: 0.05, spending: .obrienFleming, maximumUnits: 40_000, oneSided: false)
        let past = Self.dayEndUnits(events, before: now)
        let future = (1...400).map { t + Double($0) * rate }.filter { $0 < 40_000 + rate }
        let bounds: [Double] = Array(try #require(boundary.boundaries(looks: past + future)).suffix(future.count))
        let zPower: Double = try #require(Distributions.normalQuantile(0.8))
        var found: Int?
        for j in future.indices where found == nil {
            let z: Double = 0.1 * future[j].squareRoot() / s
            if z >= bounds[j] + zPower { found = j }
        }
        let first = try #require(found)
        #expect(days == Double(first + 1))
        #expect(abs((row.unitsNeeded ?? .nan) - future[first]) < 1e-6)
        #expect(r.planText.contains("alpha-spending, obrien_fleming, max 40000 units"))
        // MDE now: the design's, (b + z_power)·s/√t with b the boundary at the current units after the day ends so
        // far, not the mixture's.
        let bNow = try #require(boundary.boundaries(looks: past + [t])?.last)
        let mde = try #require(row.minimumDetectableEffect)
        #expect(abs(mde - (bNow + zPower) * s / t.squareRoot()) < 1e-9, "\(mde) vs \((bNow + zPower) * s / t.squareRoot())")
        let mixtureMDE = try PowerAnalysis(alpha: 0.05, power: 0.8).sequentialMinimumDetectableEffect(standardErrorScale: s, units: t).get()
        #expect(abs(mde - mixtureMDE) > 1e-3)
        // The mixture plans another day on the same data.
        let mixture = try await analyzer.analyze(try Self.state(.mixture), now: now)
        #expect(mixture.plan?.metrics.first { $0.metric == "resolved" && $0.variant == "treatment" }?.daysRemaining != days)
        // A maximum (6,000 units, passed at the next look) reached before the target power at +1 % on an A/A
        // world: no day, and the reason; the mixture would name a day.
        var aa = ExperimentAnalyzer(store: try await AnalyzerTests.store(Self.world(resolveTreatment: 0.30)))
        aa.planning = PlanSettings(power: 0.8, primaryEffect: 0.01)
        let small = try await aa.analyze(try Self.state(.alphaSpending(spending: .obrienFleming, maxUnits: 6_000)), now: now)
        let none = try #require(small.plan?.metrics.first { $0.metric == "resolved" && $0.variant == "treatment" })
        #expect(none.decided == false)
        #expect(none.daysRemaining == nil)
        #expect(none.problem?.contains("design's maximum (6000 units)") == true, "\(String(describing: none.problem))")
        let open = try await aa.analyze(try Self.state(.mixture), now: now)
        #expect(open.plan?.metrics.first { $0.metric == "resolved" && $0.variant == "treatment" }?.daysRemaining != nil)
    }
}
