import Foundation
import Testing
import RampartCore

@Suite("Verdict policy")
struct VerdictPolicyTests {
    static let start = Date(timeIntervalSince1970: 1_780_000_000)

    static func experiment() -> Experiment {
        var e = Fixtures.experiment(key: "support", weights: [0.5, 0.5], coverage: 0.05)
        e.variants[1].key = "treatment"
        e.ramp = [
            RampStep(coverage: 0.05, minDuration: 86_400, minUnitsPerVariant: 500),
            RampStep(coverage: 1.0),
        ]
        e.metrics = [
            MetricDefinition(key: "resolution_rate", name: "resolution rate", role: .primary, kind: .proportion, event: "support_ticket_resolved"),
            MetricDefinition(key: "escalation_rate", name: "escalation rate", role: .guardrail, kind: .proportion, event: "llm_task_completed", direction: .decrease, threshold: .relativeMargin(0.02)),
            MetricDefinition(key: "p95_latency", name: "p95 latency", role: .guardrail, kind: .quantile, event: "llm_request_completed", value: "latency_ms", quantile: 0.95, direction: .decrease, threshold: .ceiling(4000)),
        ]
        return e
    }

    static func assessment(_ metric: String, _ outcome: MetricAssessment.Outcome, role: MetricRole = .guardrail, effect: Double = 0.01, problem: String? = nil) -> MetricAssessment {
        let e = experiment()
        let m = e.metric(metric)!
        return MetricAssessment(
            metric: metric, name: m.name, role: role, variant: "treatment", outcome: outcome,
            effect: effect, lower: effect - 0.05, upper: effect + 0.05, relative: true,
            value: m.kind == .quantile ? 3_500 : nil, threshold: m.threshold, problem: problem
        )
    }

    static func snapshot(
        stage: Int = 0, hours: Double = 30, units: Int = 1_000, srm: Double? = 0.4, warnings: [String] = [],
        primary: MetricAssessment.Outcome = .inconclusive, escalation: MetricAssessment.Outcome = .inconclusive,
        latency: MetricAssessment.Outcome = .pass, drop: String? = nil
    ) -> ExperimentSnapshot {
        var e = experiment()
        e.coverage = e.ramp[stage].coverage
        var assessments = [
            assessment("resolution_rate", primary, role: .primary, effect: 0.04),
            assessment("escalation_rate", escalation, effect: 0.312),
            assessment("p95_latency", latency),
        ]
        assessments.removeAll { $0.metric == drop }
        return ExperimentSnapshot(
            experiment: e, stageIndex: stage, stageStartedAt: start, now: start.addingTimeInterval(hours * 3_600),
            unitsPerVariant: ["control": units, "treatment": units], srmPValue: srm, warnings: warnings,
            assessments: assessments
        )
    }

    /// Below full coverage without a ramp plan there is no next stage: HOLD, naming it, not ADVANCE (found by QA in
    /// session 29; the autopilot then failed on "no next stage"). At full coverage without a plan it may ship.
    @Test func noRampPlanBelowFullCoverageHolds() {
        var snapshot = Self.snapshot()
        snapshot.experiment.ramp = []
        snapshot.experiment.coverage = 0.25
        snapshot.stageIndex = nil
        let hold = VerdictPolicy.decide(snapshot)
        #expect(hold.action == .hold)
        #expect(hold.reasons.first?.kind == .noRampPlan && hold.reasons.first?.decisive == true)
        #expect(hold.reasons.first?.message.contains("coverage 25%") == true, "\(hold.reasons.first?.message ?? "")")
        snapshot.experiment.coverage = 1
        snapshot.assessments = snapshot.assessments.map { var a = $0; a.outcome = .pass; return a }
        #expect(VerdictPolicy.decide(snapshot).action == .ship)
    }

    @Test func advancesWhenMinimumsAreMetAndNothingRegresses() {
        let v = VerdictPolicy.decide(Self.snapshot())
        #expect(v.action == .advance)
        #expect(v.reasons.first?.kind == .stageMinimumsMet)
        #expect(v.reasons.first?.decisive == true)
    }

    @Test func guardrailRegressionRollsBackWithNumbers() {
        let v = VerdictPolicy.decide(Self.snapshot(escalation: .fail))
        #expect(v.action == .rollback)
        let reason = v.reasons.first
        #expect(reason?.kind == .guardrailRegression)
        #expect(reason?.message == "escalation rate (treatment) +31.2% relative (CI +26.2% .. +36.2%), margin +2%: regression")
    }

    @Test func ceilingBreachRollsBack() {
        let v = VerdictPolicy.decide(Self.snapshot(latency: .fail))
        #expect(v.action == .rollback)
        #expect(v.reasons.first?.message.contains("ceiling 4000: beyond limit") == true)
    }

    @Test func sampleRatioMismatchRollsBack() {
        let v = VerdictPolicy.decide(Self.snapshot(srm: 2.0e-5))
        #expect(v.action == .rollback)
        #expect(v.reasons.first?.kind == .sampleRatioMismatch)
        #expect(v.reasons.first?.message.contains("p = 2.0e-05 < 0.001") == true)
    }

    @Test func rollbackWinsOverMissingData() {
        let v = VerdictPolicy.decide(Self.snapshot(escalation: .fail, drop: "p95_latency"))
        #expect(v.action == .rollback)
    }

    @Test func primaryLossStops() {
        let v = VerdictPolicy.decide(Self.snapshot(primary: .fail))
        #expect(v.action == .stop)
        #expect(v.reasons.first?.kind == .primaryLoss)
    }

    @Test func missingOrNaNMetricHolds() {
        let dropped = VerdictPolicy.decide(Self.snapshot(drop: "escalation_rate"))
        #expect(dropped.action == .hold)
        #expect(dropped.reasons.first?.kind == .missingMetric)

        var s = Self.snapshot()
        s.assessments[1] = Self.assessment("escalation_rate", .missing, problem: "zero variance in both arms")
        let nan = VerdictPolicy.decide(s)
        #expect(nan.action == .hold)
        #expect(nan.reasons.first?.message.contains("zero variance in both arms") == true)
    }

    @Test func tooFewUnitsOrTooLittleTimeHolds() {
        let units = VerdictPolicy.decide(Self.snapshot(units: 499))
        #expect(units.action == .hold)
        #expect(units.reasons.first?.kind == .tooFewUnits)
        let time = VerdictPolicy.decide(Self.snapshot(hours: 23))
        #expect(time.action == .hold)
        #expect(time.reasons.first?.kind == .stageTooShort)
    }

    @Test func dataQualityWarningsHold() {
        let v = VerdictPolicy.decide(Self.snapshot(warnings: ["3.1% of units were exposed to both variants"]))
        #expect(v.action == .hold)
        #expect(v.reasons.first?.kind == .dataQuality)
    }

    /// Served vs. ran: above the experiment's threshold the verdict holds, naming the variant and the version;
    /// at or under it nothing changes; a regression still rolls back first.
    @Test func aTreatmentThatRanAnotherPromptHolds() {
        var snapshot = Self.snapshot(stage: 1, primary: .pass, escalation: .pass, latency: .pass)
        let ran = ServedMismatch(variant: "treatment", events: 1_000, mismatched: 42, mostFrequent: "prompt_version_id pv_control, model m (42 events)")
        snapshot.servedMismatches = [ServedMismatch(variant: "control", events: 1_000, mismatched: 0, mostFrequent: nil), ran]
        let v = VerdictPolicy.decide(snapshot)
        #expect(v.action == .hold)
        let reason = v.reasons.first
        #expect(reason?.kind == .dataQuality && reason?.variant == "treatment" && reason?.decisive == true)
        #expect(reason?.message == "served vs. ran: treatment ran another prompt version or model than it serves in 4.2% of its LLM events (42 of 1000), above the 1% threshold; most often prompt_version_id pv_control, model m (42 events)")
        snapshot.experiment.analysis.servedMismatchThreshold = 0.042
        #expect(VerdictPolicy.decide(snapshot).action == .ship)
        snapshot.servedMismatches = [ServedMismatch(variant: "treatment", events: 1_000, mismatched: 10, mostFrequent: nil)]
        snapshot.experiment.analysis.servedMismatchThreshold = 0.01
        #expect(VerdictPolicy.decide(snapshot).action == .ship, "exactly at the threshold")
        var harmful = Self.snapshot(escalation: .fail)
        harmful.servedMismatches = [ran]
        #expect(VerdictPolicy.decide(harmful).action == .rollback)
    }

    @Test func missingSRMHolds() {
        #expect(VerdictPolicy.decide(Self.snapshot(srm: nil)).action == .hold)
    }

    @Test func shipsAtTheLastStageOnlyOnEvidence() {
        let win = VerdictPolicy.decide(Self.snapshot(stage: 1, primary: .pass, escalation: .pass, latency: .pass))
        #expect(win.action == .ship)
        let inconclusive = VerdictPolicy.decide(Self.snapshot(stage: 1, primary: .pass, escalation: .inconclusive))
        #expect(inconclusive.action == .hold)
        #expect(inconclusive.reasons.first?.kind == .guardrailInconclusive)
        let noWin = VerdictPolicy.decide(Self.snapshot(stage: 1, primary: .inconclusive, escalation: .pass))
        #expect(noWin.action == .hold)
        #expect(noWin.reasons.first?.kind == .primaryInconclusive)
    }

    // Issue 11, item 1: an experiment with no primary metric (or none at all) never advances or ships.
    @Test func noPrimaryMetricNeverAdvancesOrShips() {
        for stage in [0, 1] {
            var none = Self.snapshot(stage: stage, primary: .pass, escalation: .pass, latency: .pass)
            none.experiment.metrics = []
            none.assessments = []
            let v = VerdictPolicy.decide(none)
            #expect(v.action == .hold, "stage \(stage): \(v.summary)")
            #expect(v.reasons.first?.kind == .missingMetric)
            #expect(v.reasons.first?.decisive == true)
            #expect(v.reasons.first?.message.contains("no primary metric") == true)

            var guardrailsOnly = Self.snapshot(stage: stage, primary: .pass, escalation: .pass, latency: .pass, drop: "resolution_rate")
            guardrailsOnly.experiment.metrics.removeAll { $0.role == .primary }
            let g = VerdictPolicy.decide(guardrailsOnly)
            #expect(g.action == .hold, "stage \(stage): \(g.summary)")
            #expect(g.reasons.contains { $0.kind == .missingMetric && $0.decisive })
        }
        // A regression still rolls back: the missing primary only blocks moving forward.
        var regressing = Self.snapshot(escalation: .fail, drop: "resolution_rate")
        regressing.experiment.metrics.removeAll { $0.role == .primary }
        #expect(VerdictPolicy.decide(regressing).action == .rollback)
    }

    // Issue 11, item 2: a guardrail probably beyond its threshold holds the rollout where it is.
    static func atRisk(stage: Int = 0, escalationRisk: Double?, latencyRisk: Double? = 0.01, advanceRisk: Double? = nil, escalation: MetricAssessment.Outcome = .inconclusive) -> ExperimentSnapshot {
        var s = Self.snapshot(stage: stage, primary: stage == 1 ? .pass : .inconclusive, escalation: escalation)
        if let advanceRisk { s.experiment.analysis.advanceRisk = advanceRisk }
        s.assessments[1].probabilityBeyondThreshold = escalationRisk
        s.assessments[2].probabilityBeyondThreshold = latencyRisk
        return s
    }

    @Test func guardrailAtRiskHoldsWithItsProbability() {
        let v = VerdictPolicy.decide(Self.atRisk(escalationRisk: 0.934))
        #expect(v.action == .hold, "\(v.summary)")
        let reason = v.reasons.first
        #expect(reason?.kind == .guardrailAtRisk)
        #expect(reason?.decisive == true)
        #expect(reason?.metric == "escalation_rate" && reason?.variant == "treatment")
        #expect(reason?.message == "escalation rate (treatment): 93.4% probability of being beyond its margin +2% (above advance_risk 50%); estimate +31.2% relative (CI +26.2% .. +36.2%)")
        // The stage's minimums are still reported, as context.
        #expect(v.reasons.contains { $0.kind == .stageMinimumsMet })
    }

    @Test func guardrailBelowTheRiskAdvances() {
        // The default advance_risk is 0.5: a guardrail more likely than not beyond its margin holds.
        #expect(AnalysisSettings().advanceRisk == 0.5)
        #expect(VerdictPolicy.decide(Self.atRisk(escalationRisk: 0.49)).action == .advance)
        #expect(VerdictPolicy.decide(Self.atRisk(escalationRisk: 0.51)).action == .hold)
        #expect(VerdictPolicy.decide(Self.atRisk(escalationRisk: nil)).action == .advance)
        // The limit is the experiment's advance_risk.
        #expect(VerdictPolicy.decide(Self.atRisk(escalationRisk: 0.6, advanceRisk: 0.7)).action == .advance)
        #expect(VerdictPolicy.decide(Self.atRisk(escalationRisk: 0.6, advanceRisk: 0.5)).action == .hold)
    }

    @Test func ceilingAtRiskHolds() {
        let v = VerdictPolicy.decide(Self.atRisk(escalationRisk: 0.05, latencyRisk: 0.55))
        #expect(v.action == .hold)
        #expect(v.reasons.first?.kind == .guardrailAtRisk)
        #expect(v.reasons.first?.message.contains("55.0% probability of being beyond its ceiling 4000") == true)
    }

    @Test func guardrailAtRiskBlocksShipping() {
        // At the last stage with a winning primary and non-inferior guardrails, a strict advance_risk still holds.
        let v = VerdictPolicy.decide(Self.atRisk(stage: 1, escalationRisk: 0.04, advanceRisk: 0.03, escalation: .pass))
        #expect(v.action == .hold, "\(v.summary)")
        #expect(v.reasons.first?.kind == .guardrailAtRisk)
        #expect(VerdictPolicy.decide(Self.atRisk(stage: 1, escalationRisk: 0.02, advanceRisk: 0.03, escalation: .pass)).action == .ship)
    }

    @Test func regressionStillRollsBackWhateverTheRisk() {
        let v = VerdictPolicy.decide(Self.atRisk(escalationRisk: 0.999, escalation: .fail))
        #expect(v.action == .rollback)
        #expect(v.reasons.first?.kind == .guardrailRegression)
    }

    @Test func pausedExperimentsHold() {
        var s = Self.snapshot()
        s.experiment.status = .paused
        #expect(VerdictPolicy.decide(s).action == .hold)
    }
}
