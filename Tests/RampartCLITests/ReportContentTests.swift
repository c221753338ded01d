import Foundation
import RampartConfig
import RampartAnalysis
import RampartCore
import RampartSimulation
import RampartStats
import RampartStore
import Testing
@testable import RampartCLI

/// The report users run: every format carries the same sections; guardrail intervals are labelled and in the JSON;
/// the Bayesian view and the plan are computed from the same statistics as the tests; CUPED shows on a fixture.
@Suite("Report content", .serialized)
struct ReportContentTests {
    /// A fixture ingested once into an in-memory store.
    static func store(_ fixture: String) async throws -> SQLiteEventStore {
        let store = try SQLiteEventStore(inMemoryWith: .init(cacheSizeMiB: 16))
        let reader = try ByteChunkReader(path: FixtureTests.directory.appendingPathComponent("\(fixture).ndjson.gz").path)
        _ = try await NDJSONIngester(parser: EventParser()).run(reader, into: store)
        return store
    }

    static func experiment(_ change: (inout Experiment) -> Void = { _ in }) throws -> Experiment {
        var e = try #require(ExperimentLoaderAccess.load("support-answer-prompt"))
        change(&e)
        return e
    }

    static func analyze(_ e: Experiment, _ store: SQLiteEventStore, asOf: String, planning: PlanSettings = PlanSettings()) async throws -> ExperimentReport {
        let now = try parseTimestamp(asOf)
        var analyzer = ExperimentAnalyzer(store: store)
        analyzer.planning = planning
        return try await analyzer.analyze(RolloutState(experiment: e, stageIndex: 0, stageStartedAt: now.addingTimeInterval(-14 * 86_400)), now: now)
    }

    /// Headings as each format writes them: text underlines them, Markdown uses `##`, HTML `<h2>`.
    static func headings(text: String) -> [String] {
        let lines = text.components(separatedBy: "\n")
        return lines.indices.dropLast().filter { i in
            !lines[i].isEmpty && lines[i + 1] == String(repeating: "-", count: lines[i].count)
        }.map { lines[$0] }
    }

    static func headings(markdown: String) -> [String] {
        markdown.components(separatedBy: "\n").filter { $0.hasPrefix("## ") }.map { String($0.dropFirst(3)).replacingOccurrences(of: "**", with: "") }
    }

    static func headings(html: String) -> [String] {
        html.components(separatedBy: "<h2").dropFirst().compactMap { part in
            guard let open = part.firstIndex(of: ">"), let close = part.range(of: "</h2>") else { return nil }
            return String(part[part.index(after: open)..<close.lowerBound])
        }
    }

    @Test func everyFormatCarriesTheSameSections() async throws {
        let store = try await Self.store("support-guardrail")
        let report = try await Self.analyze(try Self.experiment(), store, asOf: "2026-06-15T00:00:00Z")
        let expected = report.sections.map { $0 == .verdict ? "Verdict: \(report.verdict.action.rawValue)" : $0.title }
        #expect(Self.headings(text: report.text) == expected)
        #expect(Self.headings(markdown: report.markdown) == expected)
        #expect(Self.headings(html: report.html) == expected)
        // This report has every section but warnings, examples (asked for with --examples) and segments (--by).
        #expect(Set(report.sections) == Set(ReportSection.allCases).subtracting([.warnings, .examples, .segments]))
        // The JSON holds what every section shows.
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        for section in report.sections { #expect(json[section.jsonField] != nil, "\(section)") }
        let metrics = try #require(json["metrics"] as? [[String: Any]])
        func treatment(_ key: String) -> [String: Any]? {
            (metrics.first { $0["key"] as? String == key }?["variants"] as? [[String: Any]])?.first { $0["variant"] as? String == "treatment" }
        }
        #expect((treatment("resolution_rate")?["bayesian"] as? [String: Any])?["chance_to_beat_control"] is Double)
        #expect(treatment("escalation_rate")?["guardrail_bounds"] is [String: Any])
        #expect(((json["plan"] as? [String: Any])?["metrics"] as? [Any])?.count == 5, "the primary and four guardrails")
        // The markdown report used to stop at the metrics: the funnel and cost tables are there with their numbers.
        let funnelRow = "| request | \(report.funnel[0].units["control"] ?? -1) ("
        #expect(report.markdown.contains(funnelRow))
        #expect(report.markdown.contains(String(format: "%.4f", report.cost[0].costUSD)))
    }

    @Test func guardrailIntervalsAreLabelledAndTheDecisionsBoundsAreInTheJSON() async throws {
        let store = try await Self.store("support-guardrail")
        let report = try await Self.analyze(try Self.experiment(), store, asOf: "2026-06-15T00:00:00Z")
        let escalation = try #require(report.metrics.first { $0.key == "escalation_rate" }?.variants.first { $0.variant == "treatment" })
        let bounds = try #require(escalation.guardrailBounds)
        let sequential = try #require(escalation.relative?.sequential)
        #expect(bounds.scale == "relative" && bounds.limit == 0.02 && bounds.level == 0.95 && bounds.sequential)
        let (lower, upper) = (try #require(bounds.lower), try #require(bounds.upper))
        // One-sided bounds at 95 % sit inside the two-sided 95 % interval: they are not the same interval.
        #expect(lower > (sequential.lower ?? .infinity) && upper < (sequential.upper ?? -.infinity))
        // The decision is the one the bounds give against the limit (a decrease metric).
        let decision = upper < bounds.limit ? "non_inferior" : (lower > bounds.limit ? "regression" : "inconclusive")
        #expect(escalation.guardrail == decision)
        // The verdict's reason quotes those bounds and names them; the tables name theirs.
        let reason = try #require(report.verdict.reasons.first { $0.metric == "escalation_rate" && $0.variant == "treatment" })
        #expect(reason.message.contains("(one-sided sequential 95% bounds \(String(format: "%+.1f%%", lower * 100)) .. \(String(format: "%+.1f%%", upper * 100)))"))
        for text in [report.text, report.markdown, report.html] {
            #expect(text.contains("95% CI (two-sided, sequential)"))
            #expect(text.contains("one-sided 95% bounds (sequential)"))
        }
        let primary = try #require(report.verdict.reasons.first { $0.metric == "resolution_rate" })
        #expect(primary.message.contains("(sequential 95% CI "))
        let latency = try #require(report.verdict.reasons.first { $0.metric == "p95_latency" })
        #expect(latency.message.contains("(one-sided sequential 95% bounds "))
        let json = try report.json()
        #expect(json.contains("\"guardrail_bounds\""))
        let decoded = try JSONDecoder().decode(GuardrailBounds.self, from: try ExperimentReport.encoder.encode(bounds))
        #expect(decoded == bounds)
    }

    @Test func theBayesianViewIsTheComparisonOfTheStoredCounts() async throws {
        let store = try await Self.store("support-win")
        var e = try Self.experiment()
        // CUPED is on by default for the primary; turned off here (its explicit opt-out), the view reads plain counts.
        let i = try #require(e.metrics.firstIndex { $0.key == "resolution_rate" })
        e.metrics[i].cupedWindowDays = 0
        let asOf = "2026-06-16T00:00:00Z"
        let report = try await Self.analyze(e, store, asOf: asOf)
        let bayes = try #require(report.metrics.first { $0.key == "resolution_rate" }?.variants.first { $0.variant == "treatment" }?.bayesian)
        // Independently: the resolved-ticket indicator per variant straight from the store, then BayesianComparison.
        let stats = try await store.statistics(MetricQuery(event: "support_ticket_resolved", aggregation: .indicator), in: ExperimentScope(e, asOf: try parseTimestamp(asOf)))
        func arm(_ v: String) throws -> SampleStatistics {
            let s = try #require(stats.variants[v])
            return .proportion(successes: s.sum, units: s.count)
        }
        let direct = BayesianComparison(direction: .higherIsBetter).compare(control: try arm("control"), treatment: try arm("treatment"))
        #expect(bayes.scale == "relative")
        #expect(bayes.chanceToBeatControl == direct.chanceToBeatControl)
        #expect(bayes.expectedLoss == direct.expectedLossTreatment)
        #expect(bayes.expectedLossControl == direct.expectedLossControl)
        #expect((bayes.chanceToBeatControl ?? 0) > 0.95, "a true +25 % resolution")
        for text in [report.text, report.markdown, report.html] {
            #expect(text.contains(String(format: "%.1f%%", (bayes.chanceToBeatControl ?? 0) * 100)))
        }
    }

    @Test func thePlanMeasuresTrafficAndItsMinimumDetectableEffectShrinksWithUnits() async throws {
        let store = try await Self.store("support-aa")
        let e = try Self.experiment()
        let early = try #require(try await Self.analyze(e, store, asOf: "2026-06-05T00:00:00Z").plan)
        let late = try #require(try await Self.analyze(e, store, asOf: "2026-06-13T00:00:00Z").plan)
        // 2,000 units over 14 days, half each way: about 71 units per variant a day, over the last 7 days (the
        // stage began with the data), or the 4 days since the first exposure's day.
        #expect(early.trafficWindowDays == 4 && late.trafficWindowDays == 7)
        for plan in [early, late] {
            for v in ["control", "treatment"] { #expect((55...90).contains(plan.unitsPerDay[v] ?? 0), "\(v): \(plan.unitsPerDay[v] ?? 0)") }
        }
        // A stage that started two days before as-of: its two days; one that started an hour before: the last 24 h.
        let asOf = try parseTimestamp("2026-06-13T00:00:00Z")
        let twoDays = try await ExperimentAnalyzer(store: store).analyze(RolloutState(experiment: e, stageIndex: 1, stageStartedAt: asOf.addingTimeInterval(-2 * 86_400)), now: asOf)
        #expect(twoDays.plan?.trafficWindowDays == 2)
        let anHour = try await ExperimentAnalyzer(store: store).analyze(RolloutState(experiment: e, stageIndex: 1, stageStartedAt: asOf.addingTimeInterval(-3_600)), now: asOf)
        #expect(anHour.plan?.trafficWindowDays == 1)
        let primaryEarly = try #require(early.metrics.first { $0.metric == "resolution_rate" })
        let primaryLate = try #require(late.metrics.first { $0.metric == "resolution_rate" })
        #expect(primaryEarly.test == "effect" && primaryEarly.scale == "relative" && primaryEarly.boundary == 0)
        let (mdeEarly, mdeLate) = (try #require(primaryEarly.minimumDetectableEffect), try #require(primaryLate.minimumDetectableEffect))
        #expect(mdeLate < mdeEarly)
        // About √(units) apart, times the sequential multiplier's own fall ((c + z) is ≈ 15 % lower at 3× the units
        // here), give or take the noise in SE·√t.
        let ratio = mdeEarly / mdeLate, root = (Double(primaryLate.units) / Double(primaryEarly.units)).squareRoot()
        #expect(ratio > 0.85 * root && ratio < 1.45 * root, "\(ratio) vs √ \(root)")
        // Each projection is the power analysis on SE·√t, with days at the measured rate.
        for row in late.metrics where !row.decided {
            guard let needed = row.unitsNeeded, let days = row.daysRemaining, let rate = row.unitsPerDay else { continue }
            #expect(abs(days - max(0, needed - Double(row.units)) / rate) < 1e-9 * max(1, days))
        }
        let ceiling = try #require(late.metrics.first { $0.metric == "p95_latency" })
        #expect(ceiling.test == "ceiling" && ceiling.scale == "value" && ceiling.boundary == 4000)
        #expect(ceiling.units < primaryLate.units, "a ceiling reads the treatment alone")
    }

    @Test func thePrimaryPlanForTheTrueEffectNeedsTheUnitsTheTrueRatesImply() async throws {
        // support-win: a true +25 % resolution. A week in, plan for the true effect; the units needed must be those
        // the fixture's true rates (its ground truth) imply for the sequential test, up to the noise of a week's SE.
        let store = try await Self.store("support-win")
        var e = try Self.experiment()
        // The theory below is the mixture's (PowerAnalysis.sequentialUnits); the default design is α-spending now,
        // whose plan AlphaSpendingAnalysisTests and AlphaSpendingTimelinePlanTests check against its boundaries.
        e.analysis.sequentialMethod = .mixture
        let report = try await Self.analyze(e, store, asOf: "2026-06-08T00:00:00Z", planning: PlanSettings(power: 0.8, primaryEffect: 0.25))
        let row = try #require(report.plan?.metrics.first { $0.metric == "resolution_rate" })
        #expect(row.assumption == "given" && row.assumed == 0.25 && row.towards == "win" && !row.decided)
        let truth = try JSONDecoder().decode(GroundTruth.self, from: Data(contentsOf: FixtureTests.directory.appendingPathComponent("support-win.truth.json")))
        let c = try #require(truth.generated.variants["control"]), t = try #require(truth.generated.variants["treatment"])
        let (pc, pt) = (c.expectedResolution / Double(c.units), t.expectedResolution / Double(t.units))
        // The relative effect's delta-method variance for n units per arm, times the total 2n: SE·√t.
        let scale = (2 * (pt * (1 - pt) / (pc * pc) + pt * pt * pc * (1 - pc) / (pc * pc * pc * pc))).squareRoot()
        let theory = try PowerAnalysis().sequentialUnits(effect: 0.25, standardErrorScale: scale).get()
        let needed = try #require(row.unitsNeeded)
        #expect(abs(needed / theory - 1) < 0.2, "plan \(needed) units, true rates \(theory)")
        // About 4,000 units: more than the fixture's 2,000, so 14 days of this traffic do not decide it either.
        let days = try #require(row.daysRemaining)
        #expect(abs(days - (needed - Double(row.units)) / (row.unitsPerDay ?? .nan)) < 1e-9 * days)
        #expect(needed > 2_000 && days > 7)
    }

    /// ρ² of the pre- and post-exposure resolution indicators when both are Bernoulli(min(1, r·q)) given the unit's
    /// quality q = exp(sZ − s²/2): Var(p)² / Var(Y)², by quadrature over Z (docs/statistics.md).
    static func theoreticalCUPEDReduction(rate: Double = 0.3, spread s: Double = 0.6) -> Double {
        var (m1, m2) = (0.0, 0.0)
        let step = 0.001
        for z in stride(from: -10.0, through: 10.0, by: step) {
            let w = exp(-z * z / 2) / (2 * Double.pi).squareRoot() * step
            let p = min(1, rate * exp(s * z - s * s / 2))
            m1 += w * p
            m2 += w * p * p
        }
        let rho = (m2 - m1 * m1) / (m1 * (1 - m1))
        return rho * rho
    }

    @Test func theSimulatorsPreExposureTicketsFollowTheUnitsPropensity() throws {
        // 20,000 simulated users: the correlation of the resolution indicator before and after the first exposure
        // is what the shared propensity implies (it was 0 when the history was a fixed bernoulli(0.3)).
        var settings = SimulationSettings()
        settings.units = 20_000
        settings.seed = 11
        let (events, _) = Simulator(experiment: try Self.experiment(), settings: settings).generate()
        var first: [String: Date] = [:]
        for event in events where event.name == EventName.exposure { first[event.unit] = min(first[event.unit] ?? .distantFuture, event.timestamp) }
        var before: [String: Double] = [:], after: [String: Double] = [:]
        for event in events where event.name == "support_ticket_resolved" {
            guard let start = first[event.unit] else { continue }
            if event.timestamp < start { before[event.unit] = 1 } else { after[event.unit] = 1 }
        }
        let units = Array(first.keys)
        let x = units.map { before[$0] ?? 0 }, y = units.map { after[$0] ?? 0 }
        let n = Double(units.count)
        let (mx, my) = (x.reduce(0, +) / n, y.reduce(0, +) / n)
        let sxy = zip(x, y).map { ($0 - mx) * ($1 - my) }.reduce(0, +)
        let sxx = x.map { ($0 - mx) * ($0 - mx) }.reduce(0, +), syy = y.map { ($0 - my) * ($0 - my) }.reduce(0, +)
        let r2 = sxy * sxy / (sxx * syy)
        let theory = Self.theoreticalCUPEDReduction()
        #expect(abs(theory - 0.0262) < 0.0005)
        #expect(abs(mx - 0.297) < 0.015, "the pre-period resolution rate is the post-period's base rate: \(mx)")
        #expect(abs(r2 - theory) < 0.01, "ρ² = \(r2), theory \(theory)")
    }

    @Test func cupedReducesTheVarianceOnTheFixture() async throws {
        let store = try await Self.store("support-win")
        let e = try Self.experiment { e in
            if let i = e.metrics.firstIndex(where: { $0.key == "resolution_rate" }) { e.metrics[i].cupedWindowDays = 14 }
        }
        let report = try await Self.analyze(e, store, asOf: "2026-06-16T00:00:00Z")
        let metric = try #require(report.metrics.first { $0.key == "resolution_rate" })
        #expect(metric.cupedWindowDays == 14)
        let reduction = try #require(metric.variants.first { $0.variant == "treatment" }?.cupedVarianceReduction)
        // 2,000 units: ρ² = 0.026 in theory, estimated within about ±0.015.
        #expect(reduction > 0.01 && reduction < 0.05, "cuped_variance_reduction = \(reduction)")
    }

    @Test func planCommandPrintsTheSectionAndRefusesAnEffectWithoutItsPercentSign() async throws {
        let (db, dir) = try RolloutCommandsTests.database()
        let experiments = RolloutCommandsTests.root.appendingPathComponent("experiments").path
        try await RolloutCommandsTests.run(IngestCommand.self, ["--db", db, FixtureTests.directory.appendingPathComponent("support-win.ndjson.gz").path])
        var command = try PlanCommand.parse(["support-answer-prompt", "--db", db, "--experiments", experiments, "--as-of", "2026-06-08T00:00:00Z", "--effect", "+10%", "--format", "json"])
        try await command.run()
        let store = try SQLiteEventStore(path: db)
        // `plan` only reads: it imported nothing, and analyses the file as the import would store it.
        #expect(try await store.rollout("support-answer-prompt") == nil)
        let files = try ExperimentLoader.loadDirectory(experiments).compactMap(\.experiment)
        let state = try #require(try await store.seeded(files, source: experiments).rollouts.first { $0.experiment.key == "support-answer-prompt" })
        var analyzer = ExperimentAnalyzer(store: store)
        analyzer.planning = PlanSettings(power: 0.8, primaryEffect: 0.10)
        let report = try await analyzer.analyze(state, now: try parseTimestamp("2026-06-08T00:00:00Z"))
        let json = try PlanCommand.render(report, format: .json)
        let plan = try JSONDecoder().decode(DecisionPlan.self, from: Data(json.utf8))
        #expect(plan.metrics.first { $0.metric == "resolution_rate" }?.assumed == 0.10)
        let text = try PlanCommand.render(report, format: .text)
        #expect(text.contains("Power and days to a decision") && text.contains("units per day over the last "))
        #expect(throws: (any Error).self) { try PlanCommand.parse(["support-answer-prompt", "--db", db, "--effect", "5"]) }
        #expect(throws: (any Error).self) { try PlanCommand.parse(["support-answer-prompt", "--db", db, "--power", "1.5"]) }
        try? FileManager.default.removeItem(at: dir)
    }
}
