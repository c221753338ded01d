import Foundation
import Testing
import RampartConfig
import RampartCore
import RampartStats
import RampartStore
@testable import RampartAnalysis

/// `report --by plan`: a real effect in the enterprise segment and none elsewhere, checked against a direct
/// computation from the generated outcomes (proportions, the delta-method relative effect, Cochran's Q by hand),
/// on SQLite and, when a server is given, PostgreSQL with the same numbers.
@Suite("Segments in the report")
struct SegmentAnalysisTests {
    static let yaml = """
        key: seg
        status: running
        variants:
          - { key: control, weight: 0.5, payload: { prompt_name: p, prompt_version_id: v1, model: small, provider: x } }
          - { key: treatment, weight: 0.5, payload: { prompt_name: p, prompt_version_id: v2, model: small, provider: x } }
        segments: [plan, country]
        segment_min_units: 50
        metrics:
          - { key: resolved, role: primary, kind: proportion, event: support_ticket_resolved }
          - { key: escalation, role: guardrail, kind: proportion, event: llm_task_completed, filter: { escalated_to_human: true }, direction: decrease, threshold: { relative_margin: 0.25 } }
        """

    static let start = Date(timeIntervalSince1970: 1_780_000_000)
    /// Units per variant and resolution rates (control, treatment) per plan; "trial" is below the minimum.
    static let plans: [(plan: String, units: Int, control: Double, treatment: Double)] = [
        ("free", 2_000, 0.30, 0.30), ("team", 800, 0.30, 0.30), ("enterprise", 600, 0.30, 0.50), ("trial", 30, 0.30, 0.30),
    ]

    struct Counts { var units = 0, resolved = 0 }

    /// The events, and per plan and variant the enrolled units and resolved units as generated.
    static func world() -> (events: [Event], counts: [String: [String: Counts]]) {
        var g = SplitMix(seed: 16)
        var events: [Event] = []
        var counts: [String: [String: Counts]] = [:]
        var i = 0
        for p in plans {
            for _ in 0..<p.units {
                for variant in ["control", "treatment"] {
                    let unit = "u\(i)"
                    let t = start.addingTimeInterval(Double(i))
                    i += 1
                    events.append(Event.exposure(id: UUID(), unit: unit, timestamp: t, experiment: "seg", variant: variant, properties: ["plan": .string(p.plan), "country": "fr"]))
                    // A later exposure naming another plan must not move the unit.
                    events.append(Event.exposure(id: UUID(), unit: unit, timestamp: t.addingTimeInterval(60), experiment: "seg", variant: variant, properties: ["plan": "free"]))
                    counts[p.plan, default: [:]][variant, default: Counts()].units += 1
                    if g.uniform() < (variant == "control" ? p.control : p.treatment) {
                        events.append(Event(id: UUID(), name: "support_ticket_resolved", unit: unit, timestamp: t.addingTimeInterval(10)))
                        counts[p.plan]![variant]!.resolved += 1
                    }
                    events.append(Event(id: UUID(), name: "llm_task_completed", unit: unit, timestamp: t.addingTimeInterval(11), properties: [
                        "escalated_to_human": .bool(g.uniform() < 0.2),
                    ]))
                }
            }
        }
        return (events, counts)
    }

    static func experiment() throws -> Experiment {
        let loaded = ExperimentLoader.parse(yaml: yaml, file: "seg.yaml")
        #expect(loaded.problems.isEmpty, "\(loaded.problems)")
        return try #require(loaded.experiment)
    }

    static func stores() async throws -> [(String, any ValueDistributionStore)] {
        var stores: [(String, any ValueDistributionStore)] = [("sqlite", try SQLiteEventStore(inMemoryWith: .init()))]
        if let server = ProcessInfo.processInfo.environment["RAMPART_TEST_POSTGRES_URL"], !server.isEmpty {
            let url = try await PostgresEventStore.createScratchDatabase(on: server, prefix: "rampart_test")
            stores.append(("postgres", try await PostgresEventStore(url: url, maximumConnections: 2, operationTimeout: .seconds(300))))
        }
        return stores
    }

    static func close(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= tolerance * max(1, abs(b))
    }

    @Test func anEffectConfinedToOneSegmentIsFoundAndFlagged() async throws {
        let (events, counts) = Self.world()
        let e = try Self.experiment()
        var breakdowns: [(String, SegmentBreakdown)] = []
        for (name, store) in try await Self.stores() {
            _ = try await store.ingest(events)
            let breakdown = try await ExperimentAnalyzer(store: store).segments(e, by: "plan", asOf: Self.start.addingTimeInterval(86_400))
            breakdowns.append((name, breakdown))
        }
        let s = breakdowns[0].1
        #expect(s.values.map(\.value) == ["free", "team", "enterprise", "trial"])
        #expect(s.correction == "holm" && s.minUnitsPerVariant == 50 && s.unitsWithoutValue == 0)

        // Values and relative effects against the generated counts; the delta method by hand (docs/statistics.md).
        var theta: [String: Double] = [:], se: [String: Double] = [:]
        for segment in s.values {
            let c = counts[segment.value]!["control"]!, t = counts[segment.value]!["treatment"]!
            #expect(segment.units == ["control": c.units, "treatment": t.units])
            let resolved = try #require(segment.metrics.first { $0.key == "resolved" })
            let pc = Double(c.resolved) / Double(c.units), pt = Double(t.resolved) / Double(t.units)
            #expect(Self.close(resolved.variants[0].value, pc) && Self.close(resolved.variants[1].value, pt))
            if segment.value == "trial" {
                #expect(segment.tooFewUnits)
                #expect(resolved.variants[1].relative == nil && resolved.variants[1].problem?.hasPrefix("too few units") == true)
                continue
            }
            #expect(!segment.tooFewUnits)
            let estimate = pt / pc - 1
            let variance = pt * (1 - pt) / (Double(t.units) * pc * pc) + pt * pt * pc * (1 - pc) / (Double(c.units) * pc * pc * pc * pc)
            #expect(Self.close(resolved.variants[1].relative?.fixed.estimate, estimate), "\(segment.value)")
            theta[segment.value] = estimate
            se[segment.value] = variance.squareRoot()
        }
        // Cochran's Q by hand over the three segments with enough units.
        let names = ["free", "team", "enterprise"]
        let w = names.map { 1 / (se[$0]! * se[$0]!) }, total = w.reduce(0, +)
        let pooled = zip(names, w).reduce(0) { $0 + $1.1 * theta[$1.0]! } / total
        let q = zip(names, w).reduce(0) { $0 + $1.1 * (theta[$1.0]! - pooled) * (theta[$1.0]! - pooled) }
        let h = try #require(s.heterogeneity.first { $0.metric == "resolved" && $0.variant == "treatment" })
        #expect(h.segments == 3 && h.degreesOfFreedom == 2)
        #expect(Self.close(h.q, q, 1e-6) && Self.close(h.pooled, pooled, 1e-6), "Q \(String(describing: h.q)) vs \(q)")
        #expect((h.pValue ?? 1) < 0.001, "the enterprise effect makes the segments differ")
        // The enterprise segment is flagged, its effect significant after Holm; free's is not.
        func treatment(_ plan: String) throws -> SegmentVariant {
            try #require(s.values.first { $0.value == plan }?.metrics.first { $0.key == "resolved" }?.variants[1])
        }
        let enterprise = try treatment("enterprise"), free = try treatment("free")
        #expect(enterprise.deviation?.differs == true)
        #expect((enterprise.adjustedPValue ?? 1) < 0.05 && (free.adjustedPValue ?? 0) > 0.05)
        let zEnterprise = (theta["enterprise"]! - pooled) / (se["enterprise"]! * se["enterprise"]! - 1 / total).squareRoot()
        #expect(Self.close(enterprise.deviation?.z, zEnterprise, 1e-6))
        // The guardrail, with no effect anywhere, is not heterogeneous beyond chance here.
        #expect(s.heterogeneity.contains { $0.metric == "escalation" })

        // PostgreSQL gives the same numbers.
        for (name, other) in breakdowns.dropFirst() {
            #expect(other.values.map(\.value) == s.values.map(\.value), "\(name)")
            for (a, b) in zip(s.values, other.values) {
                #expect(a.units == b.units, "\(name) \(a.value)")
                for (ma, mb) in zip(a.metrics, b.metrics) {
                    for (va, vb) in zip(ma.variants, mb.variants) {
                        #expect(va.value == vb.value || Self.close(vb.value, va.value ?? .nan), "\(name) \(a.value) \(ma.key)")
                        if let x = va.relative?.fixed.estimate { #expect(Self.close(vb.relative?.fixed.estimate, x), "\(name) \(a.value) \(ma.key)") }
                    }
                }
            }
            #expect(Self.close(other.heterogeneity.first { $0.metric == "resolved" }?.q, q, 1e-6), "\(name)")
        }
    }

    @Test func theReportCarriesTheSectionAndTheVerdictIsUnchanged() async throws {
        let (events, _) = Self.world()
        let e = try Self.experiment()
        let store = try SQLiteEventStore(inMemoryWith: .init())
        _ = try await store.ingest(events)
        let now = Self.start.addingTimeInterval(86_400)
        let state = RolloutState(experiment: e, stageIndex: nil, stageStartedAt: nil)
        let analyzer = ExperimentAnalyzer(store: store)
        let plain = try await analyzer.analyze(state, now: now)
        var report = plain
        report.segments = try await analyzer.segments(e, by: "plan", asOf: now)
        #expect(report.verdict.action == plain.verdict.action)
        #expect(!plain.sections.contains(.segments) && report.sections.contains(.segments))
        let json = try report.json()
        #expect(json.contains("\"segments\"") && json.contains("\"too_few_units\" : true") && json.contains("\"heterogeneity\""))
        #expect(!(try plain.json()).contains("\"segments\""))
        // Numbers that cannot be computed are null with a problem, never missing keys.
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
        let trial = decoded["segments"]?["values"]?.arrayValue?.first { $0["value"] == "trial" }
        let trialTreatment = trial?["metrics"]?.arrayValue?.first?["variants"]?.arrayValue?.last
        #expect(trialTreatment?["adjusted_p_value"] == .null && trialTreatment?["problem"]?.stringValue?.hasPrefix("too few units") == true)
        for h in decoded["segments"]?["heterogeneity"]?.arrayValue ?? [] {
            for key in ["q", "dof", "p_value", "i_squared", "pooled", "problem"] { #expect(h[key] != nil, "\(key)") }
        }
        #expect(report.text.contains("By segment") && report.text.contains("Cochran's Q"))
        #expect(report.html.contains("id=\"segments\"") && report.markdown.contains("By segment"))
        // An attribute the experiment does not name is an error naming it.
        await #expect(throws: RampartError.self) { try await analyzer.segments(e, by: "email", asOf: now) }
        do {
            _ = try await analyzer.segments(e, by: "email", asOf: now)
        } catch let error as RampartError {
            #expect(error.message.contains("'email'") && error.message.contains("plan, country"))
        }
    }

    @Test func valuesAreEscapedInTheHTMLReport() async throws {
        let e = try Self.experiment()
        let store = try SQLiteEventStore(inMemoryWith: .init())
        _ = try await store.ingest([Event.exposure(id: UUID(), unit: "x", timestamp: Self.start, experiment: "seg", variant: "control", properties: ["plan": "<script>alert(1)</script>"])])
        let now = Self.start.addingTimeInterval(60)
        var report = try await ExperimentAnalyzer(store: store).analyze(RolloutState(experiment: e, stageIndex: nil, stageStartedAt: nil), now: now)
        report.segments = try await ExperimentAnalyzer(store: store).segments(e, by: "plan", asOf: now)
        #expect(report.segments?.values.first?.value == "<script>alert(1)</script>")
        #expect(!report.html.contains("<script>alert(1)") && report.html.contains("&lt;script&gt;"))
    }
}
