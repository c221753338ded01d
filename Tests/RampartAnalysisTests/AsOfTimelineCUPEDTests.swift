import Foundation
import Testing
import RampartConfig
import RampartCore
import RampartStats
import RampartStore
@testable import RampartAnalysis

/// Reports as of a moment, the primary metric's timeline, and CUPED, end to end through the analyzer.
@Suite("As-of, timeline and CUPED")
struct AsOfTimelineCUPEDTests {
    static func state() throws -> RolloutState {
        var e = try AnalyzerTests.experiment()
        e.coverage = e.ramp[1].coverage
        return RolloutState(experiment: e, stageIndex: 1, stageStartedAt: AnalyzerTests.start)
    }

    /// 12,000 units over 5.6 days, and some units exposed to the other variant late.
    static func events() -> [Event] {
        var world = AnalyzerTests.World()
        world.spacing = 40
        var events = AnalyzerTests.events(world)
        for i in stride(from: 0, to: 2_000, by: 7) {
            let t = AnalyzerTests.start.addingTimeInterval(Double(i) * 40 + 3 * 86_400)
            events.append(Event.exposure(id: UUID(), unit: "u\(i)", timestamp: t, experiment: "demo", variant: i % 2 == 0 ? "treatment" : "control", phase: 0))
        }
        return events
    }

    static func encoded<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try ExperimentReport.encoder.encode(value), as: UTF8.self)
    }

    @Test func reportAsOfAnEarlierMomentEqualsAReportOfTheEarlierData() async throws {
        let events = Self.events()
        let moment = AnalyzerTests.start.addingTimeInterval(2.5 * 86_400)
        let full = try SQLiteEventStore(inMemoryWith: .init())
        _ = try await full.ingest(events)
        let earlier = try SQLiteEventStore(inMemoryWith: .init())
        _ = try await earlier.ingest(events.filter { $0.timestamp <= moment })
        let state = try Self.state()
        let asOf = try await ExperimentAnalyzer(store: full).analyze(state, now: moment)
        let only = try await ExperimentAnalyzer(store: earlier).analyze(state, now: moment)
        let later = try await ExperimentAnalyzer(store: full).analyze(state, now: moment.addingTimeInterval(3 * 86_400))
        #expect(asOf.units.enrolled.values.reduce(0, +) < later.units.enrolled.values.reduce(0, +))
        #expect(later.units.multiVariantExcluded > 0)
        #expect(asOf.units.multiVariantExcluded == 0)
        #expect(try Self.encoded(asOf.units) == Self.encoded(only.units))
        #expect(try Self.encoded(asOf.metrics) == Self.encoded(only.metrics))
        #expect(try Self.encoded(asOf.funnel) == Self.encoded(only.funnel))
        #expect(try Self.encoded(asOf.cost) == Self.encoded(only.cost))
        #expect(try Self.encoded(asOf.timeline) == Self.encoded(only.timeline))
        #expect(asOf.verdict.action == only.verdict.action)
        #expect(try Self.encoded(asOf.metrics) != Self.encoded(later.metrics))
    }

    @Test func timelineFollowsThePrimaryMetricDayByDay() async throws {
        let store = try SQLiteEventStore(inMemoryWith: .init())
        _ = try await store.ingest(Self.events())
        let now = AnalyzerTests.start.addingTimeInterval(9 * 86_400 + 3_600)
        let report = try await ExperimentAnalyzer(store: store).analyze(try Self.state(), now: now)
        let points = report.timeline
        // Day ends from the first exposure's day to the day before `now`, then `now` itself.
        #expect(points.count == 10)
        #expect(points.allSatisfy { $0.variant == "treatment" })
        #expect(points.last?.at == now)
        #expect(zip(points, points.dropFirst()).allSatisfy { $0.at < $1.at && $0.units <= $1.units })
        for point in points.dropLast() {
            #expect(Int(point.at.timeIntervalSince1970 * 1000 + 1).isMultiple(of: 86_400_000))
        }
        let primary = try #require(report.metrics.first { $0.key == "resolved" }?.variants.first { $0.variant == "treatment" })
        #expect(points.last?.relative == primary.relative?.sequential)
        #expect(points.last?.units == primary.units)
        // The interval narrows as units accrue.
        let widths = points.compactMap { p in p.relative.flatMap { r in r.upper.flatMap { u in r.lower.map { u - $0 } } } }
        #expect(widths.count == points.count)
        #expect(widths.last! < widths.first!)
    }

    @Test func timelineHasAtMostSixtyPoints() async throws {
        let store = try SQLiteEventStore(inMemoryWith: .init())
        _ = try await store.ingest(Self.events())
        let now = AnalyzerTests.start.addingTimeInterval(200 * 86_400)
        let report = try await ExperimentAnalyzer(store: store).analyze(try Self.state(), now: now)
        #expect(report.timeline.count <= 60)
        #expect(report.timeline.count >= 30)
        #expect(report.timeline.last?.at == now)
    }

    static let cupedYAML = """
        key: cuped
        status: running
        variants:
          - { key: control, weight: 0.5, payload: { prompt_name: p, prompt_version_id: v1, model: small, provider: x } }
          - { key: treatment, weight: 0.5, payload: { prompt_name: p, prompt_version_id: v2, model: small, provider: x } }
        coverage: 1
        metrics:
          - { key: tickets, role: primary, kind: mean, event: support_ticket_resolved, cuped_window_days: 14 }
          - { key: tickets_plain, role: secondary, kind: mean, event: support_ticket_resolved }
          - { key: any_ticket, role: secondary, kind: proportion, event: support_ticket_resolved, cuped_window_days: 14 }
        """

    /// Units with a persistent ticket rate: their tickets in the two weeks before exposure predict those after.
    static func cupedWorld() -> (events: [Event], pre: [String: Double], post: [String: Double], variant: [String: String]) {
        var g = SplitMix(seed: 7)
        var events: [Event] = []
        var pre: [String: Double] = [:], post: [String: Double] = [:], variant: [String: String] = [:]
        func poisson(_ mean: Double) -> Int {
            var k = 0, p = exp(-mean), s = p
            let u = g.uniform()
            while u > s, k < 100 { k += 1; p *= mean / Double(k); s += p }
            return k
        }
        for i in 0..<4_000 {
            let unit = "c\(i)"
            let v = i % 2 == 0 ? "control" : "treatment"
            let t = AnalyzerTests.start.addingTimeInterval(Double(i) * 60)
            let rate = exp(1.2 * g.normal())
            events.append(Event.exposure(id: UUID(), unit: unit, timestamp: t, experiment: "cuped", variant: v, phase: 0))
            let before = poisson(rate)
            for _ in 0..<before {
                events.append(Event(id: UUID(), name: "support_ticket_resolved", unit: unit, timestamp: t.addingTimeInterval(-g.uniform() * 13 * 86_400 - 1)))
            }
            // Older history outside the window must not count.
            events.append(Event(id: UUID(), name: "support_ticket_resolved", unit: unit, timestamp: t.addingTimeInterval(-20 * 86_400)))
            let after = poisson(rate * (v == "treatment" ? 1.05 : 1))
            for _ in 0..<after {
                events.append(Event(id: UUID(), name: "support_ticket_resolved", unit: unit, timestamp: t.addingTimeInterval(g.uniform() * 13 * 86_400)))
            }
            pre[unit] = Double(before)
            post[unit] = Double(after)
            variant[unit] = v
        }
        return (events, pre, post, variant)
    }

    @Test func cupedNarrowsTheIntervalAndMatchesADirectComputation() async throws {
        let loaded = ExperimentLoader.parse(yaml: Self.cupedYAML, file: "cuped.yaml")
        #expect(loaded.problems.isEmpty, "\(loaded.problems)")
        let e = try #require(loaded.experiment)
        let world = Self.cupedWorld()
        let store = try SQLiteEventStore(inMemoryWith: .init())
        _ = try await store.ingest(world.events)
        let now = AnalyzerTests.start.addingTimeInterval(30 * 86_400)
        let report = try await ExperimentAnalyzer(store: store).analyze(RolloutState(experiment: e, stageStartedAt: AnalyzerTests.start), now: now)

        let cuped = try #require(report.metrics.first { $0.key == "tickets" })
        let plain = try #require(report.metrics.first { $0.key == "tickets_plain" })
        #expect(cuped.cupedWindowDays == 14)
        #expect(plain.cupedWindowDays == nil)
        let adjusted = try #require(cuped.variants.first { $0.variant == "treatment" })
        let unadjusted = try #require(plain.variants.first { $0.variant == "treatment" })
        func width(_ r: VariantResult) -> Double { (r.absolute?.fixed.upper ?? .nan) - (r.absolute?.fixed.lower ?? .nan) }
        #expect(width(adjusted) < 0.8 * width(unadjusted), "\(width(adjusted)) vs \(width(unadjusted))")
        #expect((adjusted.cupedVarianceReduction ?? 0) > 0.3)
        #expect(adjusted.value == unadjusted.value)

        // Direct computation: per-unit pre and post counts, regression-adjusted with RampartStats.
        var stats: [String: RegressionAdjustedStatistics] = [:]
        for (unit, v) in world.variant {
            let x = world.pre[unit]!, y = world.post[unit]!
            var s = stats[v] ?? RegressionAdjustedStatistics()
            s.units += 1
            s.postSum += y
            s.postSumSquares += y * y
            s.preSum += x
            s.preSumSquares += x * x
            s.crossSum += x * y
            stats[v] = s
        }
        let settings = TestSettings(alpha: e.analysis.alpha, sequential: false, sequentialTuning: e.analysis.sequentialTuning)
        let direct = EffectTest(settings: settings).compare(control: stats["control"]!, treatment: stats["treatment"]!)
        let a = try #require(adjusted.absolute?.fixed)
        #expect(abs((a.estimate ?? .nan) - direct.absolute.estimate!) < 1e-9)
        #expect(abs((a.lower ?? .nan) - direct.absolute.lower!) < 1e-9)
        #expect(abs((adjusted.relative?.fixed.estimate ?? .nan) - direct.relative.estimate!) < 1e-9)

        // The proportion metric is adjusted too.
        let any = try #require(report.metrics.first { $0.key == "any_ticket" })
        #expect(any.cupedWindowDays == 14)
        #expect((any.variants.first { $0.variant == "treatment" }?.cupedVarianceReduction ?? 0) > 0)
        let json = try report.json()
        #expect(json.contains("\"cuped_window_days\" : 14"))
        #expect(json.contains("\"cuped_variance_reduction\""))
    }
}
