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

    public init(store: any ValueDistributionStore) {
        self.store = store
    }

    /// Analyses an experiment.
    ///
    /// - Parameters:
    ///   - state: The experiment as it stands: definition, stage and when the stage started.
    ///   - now: The moment of the analysis; stage durations are measured up to it.
    /// - Returns: The report, with the verdict and its reasons.
    public func analyze(_ state: RolloutState, now: Date = Date()) async throws -> ExperimentReport {
        let e = state.experiment
        let scope = ExperimentScope(key: e.key, phase: e.phase)
        let attribution = try await store.attribution(scope)
        let srm = Self.srm(e, attribution)
        var warnings = Self.warnings(e, attribution)

        let metricAnalyzer = MetricAnalyzer(experiment: e, store: store, scope: scope)
        var metrics: [MetricReport] = []
        var assessments: [MetricAssessment] = []
        for metric in e.metrics where metric.role != nil {
            do {
                let (report, found) = try await metricAnalyzer.analyze(metric)
                metrics.append(report)
                assessments += found
            } catch let error as RampartError {
                warnings.append("metric '\(metric.key)' could not be computed: \(error.message)")
            }
        }

        let snapshot = ExperimentSnapshot(
            experiment: e, stageIndex: state.stageIndex, stageStartedAt: state.stageStartedAt, now: now,
            unitsPerVariant: attribution.enrolled, srmPValue: srm.pValue, warnings: warnings, assessments: assessments
        )
        let verdict = VerdictPolicy.decide(snapshot)
        let stage = state.stageIndex.flatMap { e.ramp.indices.contains($0) ? e.ramp[$0] : nil }
        return ExperimentReport(
            experiment: ExperimentSummary(
                key: e.key, name: e.name, phase: e.phase, status: e.status, unit: e.unit, control: e.control,
                variants: e.variants.map {
                    VariantSummary(key: $0.key, weight: $0.weight, promptVersionId: $0.payload.promptVersionId, model: $0.payload.model, provider: $0.payload.provider)
                },
                sequential: e.analysis.sequential, alpha: e.analysis.alpha
            ),
            generatedAt: Date(), asOf: now,
            stage: StageSummary(
                index: state.stageIndex, count: e.ramp.count, coverage: e.coverage, startedAt: state.stageStartedAt,
                minDurationSeconds: stage?.minDuration, minUnitsPerVariant: stage?.minUnitsPerVariant
            ),
            units: UnitSummary(enrolled: attribution.enrolled, multiVariantExcluded: attribution.multiVariantUnits, exposures: attribution.exposures),
            srm: srm, metrics: metrics, warnings: warnings, verdict: verdict,
            timeline: [],
            funnel: try await funnel(e, scope: scope, attribution: attribution),
            cost: try await cost(e, scope: scope, attribution: attribution)
        )
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
    func funnel(_ e: Experiment, scope: ExperimentScope, attribution: Attribution) async throws -> [FunnelStep] {
        let steps: [(String, MetricQuery)] = [
            ("request", MetricQuery(event: EventName.llmRequestStarted, aggregation: .indicator)),
            ("completed", MetricQuery(event: EventName.llmRequestCompleted, aggregation: .indicator)),
            ("rated positive", MetricQuery(event: EventName.llmOutputRated, filter: ["user_feedback": "positive"], aggregation: .indicator)),
            ("task completed", MetricQuery(event: EventName.llmTaskCompleted, filter: ["task_completed": true], aggregation: .indicator)),
        ]
        var result: [FunnelStep] = []
        for (name, query) in steps {
            let stats = try await store.statistics(query, in: scope)
            var units: [String: Int] = [:]
            var share: [String: Double?] = [:]
            for variant in e.variants {
                let reached = stats.unitsWithEvents[variant.key] ?? 0
                let enrolled = attribution.enrolled[variant.key] ?? 0
                units[variant.key] = reached
                share[variant.key] = enrolled > 0 ? Double(reached) / Double(enrolled) : nil
            }
            result.append(FunnelStep(step: name, units: units, share: share))
        }
        return result
    }

    /// LLM spend per variant and per model the variant's requests reported.
    func cost(_ e: Experiment, scope: ExperimentScope, attribution: Attribution) async throws -> [CostRow] {
        let models = Array(Set(e.variants.map(\.payload.model))).sorted()
        var rows: [CostRow] = []
        for model in models {
            let filter: [String: JSONValue] = ["model": .string(model)]
            let spend = try await store.statistics(MetricQuery(event: EventName.llmRequestCompleted, filter: filter, value: "estimated_cost_usd", aggregation: .sum), in: scope)
            let requests = try await store.statistics(MetricQuery(event: EventName.llmRequestCompleted, filter: filter, aggregation: .count), in: scope)
            for variant in e.variants {
                let count = Int(requests.variants[variant.key]?.sum ?? 0)
                guard count > 0 else { continue }
                let total = spend.variants[variant.key]?.sum ?? 0
                let enrolled = attribution.enrolled[variant.key] ?? 0
                rows.append(CostRow(variant: variant.key, model: model, requests: count, costUSD: total, costPerUnitUSD: enrolled > 0 ? total / Double(enrolled) : nil))
            }
        }
        return rows
    }
}
