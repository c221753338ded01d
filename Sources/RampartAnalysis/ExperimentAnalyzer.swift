import Foundation
import RampartCore
import RampartStats
import RampartStore

/// Turns stored events into an experiment report: per-variant metrics from SQL, tests from the stats engine, and
/// the verdict from the policy.
public struct ExperimentAnalyzer: Sendable {
    /// The share of units exposed to several variants above which the verdict holds (a data-quality warning).
    public static let multiExposureTolerance = 0.01

    public let store: any ValueDistributionStore
    /// The target power and the primary effect the report's plan is computed for.
    public var planning = PlanSettings()

    public init(store: any ValueDistributionStore) {
        self.store = store
    }

    /// Analyses an experiment as of a moment.
    ///
    /// Everything is read as the data stood at `now`: events and exposures at or before it, and units excluded
    /// for seeing several variants only if they had by then. All metrics, the funnel, the cost table and the
    /// primary metric's timeline come from one ``AnalysisRequest``, so the store reads each event name once.
    ///
    /// - Parameters:
    ///   - state: The experiment as it stands: definition, stage and the ramp action that entered the stage, if any.
    ///   - now: The moment of the analysis; the data is read as of it and stage durations are measured up to it,
    ///     from the ramp action that entered the stage or, for the first stage of a phase, its first exposure.
    ///   - depth: How much of the report to compute (``AnalysisDepth/verdict`` for the console's overview).
    /// - Returns: The report, with the verdict and its reasons.
    public func analyze(_ state: RolloutState, now: Date = Date(), depth: AnalysisDepth = .full) async throws -> ExperimentReport {
        let e = state.experiment
        let scope = ExperimentScope(e, asOf: now)
        let plan = AnalysisPlan(e, depth: depth)
        let result = try await store.analysis(plan.request, in: scope)
        let attribution = result.attribution
        let srm = Self.srm(e, attribution)
        var warnings = Self.warnings(e, attribution)
        let servedVersusRan = try await servedVersusRan(e, scope: scope)

        let stageStart = state.resolvedStageStart(firstExposure: attribution.firstExposure, now: now)
        // An α-spending design decides as of the last completed UTC day end, on the data as it stood then.
        let decision = try await lookResult(e, now: now)
        var metricAnalyzer = MetricAnalyzer(experiment: e)
        metricAnalyzer.looks = decision?.looks
        let traffic = Self.traffic(e, result.timeline, stageStartedAt: stageStart?.at)
        var plans: [MetricPlan] = []
        var metrics: [MetricReport] = []
        var assessments: [MetricAssessment] = []
        for metric in e.metrics where metric.role != nil {
            do {
                let arms = try metricAnalyzer.arms(metric, plan: plan, result: result)
                let tested = try decision.map { try metricAnalyzer.arms(metric, plan: $0.plan, result: $0.result) } ?? arms
                let (report, found) = metricAnalyzer.analyze(metric, arms: tested)
                metrics.append(report)
                assessments += found
                guard depth == .full else { continue }
                plans += metricAnalyzer.plans(metric, arms: arms, report: report, unitsPerDay: traffic.rates, settings: planning)
            } catch let error as RampartError {
                warnings.append("metric '\(metric.key)' could not be computed: \(error.message)")
            }
        }

        assessments += try await segmentGuardrailAssessments(e, scope: scope)
        let snapshot = ExperimentSnapshot(
            experiment: e, stageIndex: state.stageIndex, stageStartedAt: stageStart?.at, now: now,
            unitsPerVariant: attribution.enrolled, srmPValue: srm.pValue, warnings: warnings,
            assessments: assessments, servedMismatches: servedVersusRan?.mismatches ?? []
        )
        let verdict = VerdictPolicy.decide(snapshot)
        let stage = state.stageIndex.flatMap { e.ramp.indices.contains($0) ? e.ramp[$0] : nil }
        return ExperimentReport(
            experiment: ExperimentSummary(
                key: e.key, name: e.name, phase: e.phase, status: e.status, unit: e.unit, control: e.control,
                variants: e.variants.map {
                    VariantSummary(key: $0.key, weight: $0.weight, promptVersionId: $0.payload.promptVersionId, model: $0.payload.model, provider: $0.payload.provider)
                },
                sequential: e.analysis.sequential, alpha: e.analysis.alpha,
                sequentialMethod: SequentialMethodSummary.of(e, looks: decision?.looks)
            ),
            generatedAt: Date(), asOf: now,
            stage: StageSummary(
                index: state.stageIndex, count: e.ramp.count, coverage: e.coverage, startedAt: stageStart?.at, startedBy: stageStart?.source,
                minDurationSeconds: stage?.minDuration, minUnitsPerVariant: stage?.minUnitsPerVariant
            ),
            units: UnitSummary(enrolled: attribution.enrolled, multiVariantExcluded: attribution.multiVariantUnits, exposures: attribution.exposures),
            srm: srm, metrics: metrics, warnings: warnings + (servedVersusRan?.warnings ?? []), verdict: verdict,
            timeline: Self.timeline(e, plan: plan, result: result, looks: decision?.looks),
            funnel: Self.funnel(e, plan: plan, result: result),
            cost: Self.cost(e, plan: plan, result: result),
            plan: DecisionPlan(
                unitsPerDay: traffic.rates, trafficWindowDays: traffic.window, power: planning.power, metrics: plans,
                problem: depth != .full ? "not computed: a verdict-only analysis" : traffic.window == nil ? "no enrolled units yet: no traffic to plan with" : nil
            ),
            servedVersusRan: servedVersusRan
        )
    }

    /// For an α-spending design, the store's answer as of the last completed UTC day end (the current look) with
    /// a daily timeline of every day end before it, and the looks; `nil` for the mixture or fixed-horizon tests.
    func lookResult(_ e: Experiment, now: Date) async throws -> (plan: AnalysisPlan, result: AnalysisResult, looks: SequentialLooks)? {
        guard e.analysis.sequential, case .alphaSpending = e.analysis.sequentialMethod,
            e.sequentialMaximumUnits != nil || e.sequentialHorizonDays != nil
        else { return nil }
        let at = SequentialLooks.moment(before: now)
        let plan = AnalysisPlan(e, timelinePoints: 100_000)
        let result = try await store.analysis(plan.request, in: ExperimentScope(e, asOf: at))
        guard let looks = SequentialLooks(e, at: at, timeline: result.timeline) else { return nil }
        return (plan, result, looks)
    }

    /// What ``analyze(_:now:)`` asks the store for an experiment: every metric, pair, funnel step, cost sum and
    /// the primary metric's timeline (for benchmarks and diagnostics).
    public static func request(for experiment: Experiment) -> AnalysisRequest {
        AnalysisPlan(experiment).request
    }

    /// The event names an analysis of `experiment` at `depth` reads (the exposure event included): its data has
    /// changed only when events of these names were stored.
    public static func eventNames(for experiment: Experiment, depth: AnalysisDepth = .full) -> Set<String> {
        AnalysisPlan(experiment, depth: depth).eventNames
    }

    static func srm(_ e: Experiment, _ attribution: Attribution) -> SRMSummary {
        let counts = e.variants.map { attribution.enrolled[$0.key] ?? 0 }
        let weights = e.variants.map(\.weight)
        let expected = Dictionary(e.variants.map { ($0.key, $0.weight) }, uniquingKeysWith: { first, _ in first })
        let result = SampleRatioMismatch(threshold: e.analysis.srmThreshold).test(counts: counts, weights: weights)
        return SRMSummary(
            pValue: result.pValue.finite, threshold: e.analysis.srmThreshold, mismatch: result.isMismatch,
            expectedWeights: expected, problem: result.problem?.description
        )
    }

    static func warnings(_ e: Experiment, _ attribution: Attribution) -> [String] {
        var warnings: [String] = []
        let total = attribution.enrolledUnits + attribution.multiVariantUnits
        if total > 0 {
            let share = Double(attribution.multiVariantUnits) / Double(total)
            if share > multiExposureTolerance {
                warnings.append(String(format: "%.1f%% of exposed units (%d of %d) saw more than one variant and were excluded; above the %.0f%% tolerance", share * 100, attribution.multiVariantUnits, total, multiExposureTolerance * 100))
            }
        }
        let known = Set(e.variants.map(\.key))
        for (variant, units) in attribution.enrolled.sorted(by: { $0.key < $1.key }) where !known.contains(variant) {
            warnings.append("\(units) units were exposed to variant '\(variant)', which the experiment does not define")
        }
        return warnings
    }

    /// Request → completed → rated positive → task completed, per variant.
    static func funnel(_ e: Experiment, plan: AnalysisPlan, result: AnalysisResult) -> [FunnelStep] {
        plan.funnel.map { step, index in
            let stats = result.metrics[index]
            var units: [String: Int] = [:]
            var share: [String: Double?] = [:]
            for variant in e.variants {
                let reached = stats.unitsWithEvents[variant.key] ?? 0
                let enrolled = result.attribution.enrolled[variant.key] ?? 0
                units[variant.key] = reached
                share[variant.key] = enrolled > 0 ? Double(reached) / Double(enrolled) : nil
            }
            return FunnelStep(step: step, units: units, share: share)
        }
    }

    /// LLM spend per variant and per model the variant's requests reported.
    static func cost(_ e: Experiment, plan: AnalysisPlan, result: AnalysisResult) -> [CostRow] {
        var rows: [CostRow] = []
        for (model, spendIndex, requestsIndex) in plan.cost {
            let spend = result.metrics[spendIndex]
            let requests = result.metrics[requestsIndex]
            for variant in e.variants {
                let count = Int(requests.variants[variant.key]?.sum ?? 0)
                guard count > 0 else { continue }
                let total = spend.variants[variant.key]?.sum ?? 0
                let enrolled = result.attribution.enrolled[variant.key] ?? 0
                rows.append(CostRow(variant: variant.key, model: model, requests: count, costUSD: total, costPerUnitUSD: enrolled > 0 ? total / Double(enrolled) : nil))
            }
        }
        return rows
    }

    /// The primary metric's cumulative relative effect for each treatment at each timeline point, with the
    /// sequential confidence interval (valid at every look). Only proportion and mean primaries have one.
    ///
    /// With an α-spending design (`looks`), each point's interval is the design's at that point: the point is the
    /// current look and the day ends before it the earlier ones (``SequentialLooks/plan(_:before:)``).
    static func timeline(_ e: Experiment, plan: AnalysisPlan, result: AnalysisResult, looks: SequentialLooks? = nil) -> [TimelinePoint] {
        guard let key = plan.timelineMetric, let metric = e.metric(key) else { return [] }
        let settings = TestSettings(alpha: e.analysis.alpha, sequential: true, sequentialTuning: e.analysis.sequentialTuning)
        let test = EffectTest(settings: settings)
        func arm(_ s: SufficientStatistics) -> SampleStatistics {
            metric.kind == .proportion ? .proportion(successes: s.sum, units: s.count) : SampleStatistics(units: s.count, sum: s.sum, sumSquares: s.sumOfSquares)
        }
        var points: [TimelinePoint] = []
        for point in result.timeline {
            for variant in e.variants where variant.key != e.control {
                let treatment = point.variants[variant.key]
                var relative: Estimate?
                if let control = point.variants[e.control], let treatment, control.count > 0, treatment.count > 0 {
                    var pointTest = test
                    if let looks { pointTest.settings.sequentialMethod = .alphaSpending(looks.plan([e.control, variant.key], before: point.at)) }
                    relative = Estimate(pointTest.compare(control: arm(control), treatment: arm(treatment)).relative)
                } else {
                    relative = Estimate(estimate: nil, lower: nil, upper: nil, pValue: nil, problem: "no enrolled units in \(point.variants[e.control] == nil ? "control" : variant.key) yet")
                }
                points.append(TimelinePoint(at: point.at, variant: variant.key, units: treatment?.count ?? 0, relative: relative))
            }
        }
        return points
    }
}
