import Foundation
import RampartCore
import RampartStats
import RampartStore

/// Reads one metric's sufficient statistics from the store and tests every treatment against control.
struct MetricAnalyzer {
    let experiment: Experiment
    let store: any ValueDistributionStore
    let scope: ExperimentScope

    var analysis: AnalysisSettings { experiment.analysis }

    var fixed: TestSettings {
        TestSettings(alpha: analysis.alpha, sequential: false, sequentialTuning: analysis.sequentialTuning)
    }

    var sequential: TestSettings {
        TestSettings(alpha: analysis.alpha, sequential: true, sequentialTuning: analysis.sequentialTuning)
    }

    /// The settings verdicts use: sequential unless the experiment turned it off.
    var deciding: TestSettings { analysis.sequential ? sequential : fixed }

    /// Per-variant statistics of a metric, computed in the store.
    func statistics(_ metric: MetricDefinition) async throws -> [String: ArmStatistics] {
        switch metric.kind {
        case .proportion, .mean:
            let result = try await store.statistics(try MetricQuery(metric), in: scope)
            return result.variants.mapValues { s in
                metric.kind == .proportion
                    ? .sample(.proportion(successes: s.sum, units: s.count))
                    : .sample(SampleStatistics(units: s.count, sum: s.sum, sumSquares: s.sumOfSquares))
            }
        case .ratio:
            guard let numerator = metric.numerator.flatMap(experiment.metric), let denominator = metric.denominator.flatMap(experiment.metric) else {
                throw RampartError(.invalidExperiment, "ratio metric '\(metric.key)' names an undefined numerator or denominator")
            }
            let result = try await store.jointStatistics(try MetricQuery(numerator), try MetricQuery(denominator), in: scope)
            return result.variants.mapValues { j in
                .ratio(RatioStatistics(
                    units: j.x.count, numeratorSum: j.x.sum, numeratorSumSquares: j.x.sumOfSquares,
                    denominatorSum: j.y.sum, denominatorSumSquares: j.y.sumOfSquares, crossSum: j.sumOfProducts
                ))
            }
        case .quantile:
            let query = try MetricQuery(metric)
            let level = metric.quantile ?? 0.5
            let result = try await store.quantileStatistics(query, level: level, in: scope)
            let histograms = try await store.valueHistograms(query, in: scope)
            var arms: [String: ArmStatistics] = [:]
            for (key, q) in result.variants {
                let stats = RampartStats.QuantileStatistics(
                    units: q.perUnit.x.count, level: level, estimate: q.estimate,
                    sumM: q.perUnit.x.sum, sumMSquares: q.perUnit.x.sumOfSquares,
                    sumY: q.perUnit.y.sum, sumYSquares: q.perUnit.y.sumOfSquares, sumYM: q.perUnit.sumOfProducts
                )
                let histogram = histograms[key].flatMap { Histogram(edges: $0.edges, counts: $0.counts) }
                arms[key] = .quantile(stats, histogram)
            }
            return arms
        }
    }

    /// The metric's report and, for primaries and guardrails, what the verdict policy should read from it.
    func analyze(_ metric: MetricDefinition) async throws -> (MetricReport, [MetricAssessment]) {
        let arms = try await statistics(metric)
        var variants: [VariantResult] = []
        var assessments: [MetricAssessment] = []
        let control = arms[experiment.control]
        for variant in experiment.variants {
            let arm = arms[variant.key]
            var result = VariantResult(variant: variant.key, units: arm?.units ?? 0, value: arm?.value.finite)
            guard variant.key != experiment.control else {
                if arm == nil || (arm?.units ?? 0) == 0 { result.problem = "no enrolled units" }
                variants.append(result)
                continue
            }
            let assessment = assess(metric, variant: variant.key, control: control, treatment: arm, into: &result)
            if let assessment { assessments.append(assessment) }
            variants.append(result)
        }
        let report = MetricReport(
            key: metric.key, name: metric.name, role: metric.role ?? .secondary, kind: metric.kind,
            direction: metric.direction, threshold: metric.threshold.map(ThresholdSummary.init), quantile: metric.quantile,
            variants: variants
        )
        return (report, assessments)
    }

    /// Fills a treatment's effects and returns its assessment (nil for secondary metrics).
    func assess(_ metric: MetricDefinition, variant: String, control: ArmStatistics?, treatment: ArmStatistics?, into result: inout VariantResult) -> MetricAssessment? {
        let role = metric.role ?? .secondary
        func missing(_ why: String) -> MetricAssessment? {
            result.problem = why
            result.outcome = role == .secondary ? nil : .missing
            guard role != .secondary else { return nil }
            return MetricAssessment(metric: metric.key, name: metric.name, role: role, variant: variant, outcome: .missing, threshold: metric.threshold, problem: why)
        }
        guard let control, control.units > 0 else { return missing("control has no enrolled units") }
        guard let treatment, treatment.units > 0 else { return missing("\(variant) has no enrolled units") }

        let fixedResult = control.compare(treatment: treatment, test: EffectTest(settings: fixed))
        let sequentialResult = control.compare(treatment: treatment, test: EffectTest(settings: sequential))
        if case .success(let f) = fixedResult, case .success(let s) = sequentialResult {
            result.absolute = EffectPair(fixed: Estimate(f.absolute), sequential: Estimate(s.absolute))
            result.relative = EffectPair(fixed: Estimate(f.relative), sequential: Estimate(s.relative))
        }
        let decisive = analysis.sequential ? sequentialResult : fixedResult

        switch role {
        case .secondary:
            if case .failure(let reason) = decisive { result.problem = reason.description }
            return nil
        case .primary:
            return primary(metric, variant: variant, decisive, into: &result)
        case .guardrail:
            return guardrail(metric, variant: variant, control: control, treatment: treatment, decisive, into: &result)
        }
    }

    func primary(_ metric: MetricDefinition, variant: String, _ decisive: Result<TestResult, DegenerateReason>, into result: inout VariantResult) -> MetricAssessment {
        var assessment = MetricAssessment(metric: metric.key, name: metric.name, role: .primary, variant: variant, outcome: .missing)
        let test: TestResult
        switch decisive {
        case .failure(let reason):
            assessment.problem = reason.description
            result.problem = reason.description
            result.outcome = .missing
            return assessment
        case .success(let t):
            test = t
        }
        // Judge the relative effect; fall back to the absolute one when control's mean is 0.
        let relativeUsable = test.relative.lower != nil && test.relative.upper != nil
        let effect = relativeUsable ? test.relative : test.absolute
        guard let lower = effect.lower, let upper = effect.upper, lower.isFinite, upper.isFinite else {
            let why = (effect.problem ?? test.problem)?.description ?? "no confidence interval"
            assessment.problem = why
            result.problem = why
            result.outcome = .missing
            return assessment
        }
        let better = metric.direction == .increase ? lower > 0 : upper < 0
        let worse = metric.direction == .increase ? upper < 0 : lower > 0
        assessment.outcome = better ? .pass : (worse ? .fail : .inconclusive)
        assessment.effect = effect.estimate
        assessment.lower = lower
        assessment.upper = upper
        assessment.relative = relativeUsable
        result.outcome = assessment.outcome
        return assessment
    }

    func guardrail(_ metric: MetricDefinition, variant: String, control: ArmStatistics, treatment: ArmStatistics, _ decisive: Result<TestResult, DegenerateReason>, into result: inout VariantResult) -> MetricAssessment {
        var assessment = MetricAssessment(metric: metric.key, name: metric.name, role: .guardrail, variant: variant, outcome: .missing, threshold: metric.threshold)
        let direction: RampartStats.MetricDirection = metric.direction == .increase ? .higherIsBetter : .lowerIsBetter
        switch metric.threshold {
        case .none:
            assessment.problem = "the guardrail has no threshold"
        case .ceiling(let limit):
            let c = treatment.ceiling(CeilingTest(ceiling: limit, settings: deciding))
            assessment.value = c.statistic.estimate
            assessment.lower = c.statistic.lower
            assessment.upper = c.statistic.upper
            assessment.relative = false
            if let problem = c.problem {
                assessment.problem = problem.description
            } else {
                // For a metric where lower is better the limit is a ceiling; where higher is better, a floor.
                switch (c.decision, metric.direction) {
                case (.belowCeiling, .decrease), (.aboveCeiling, .increase): assessment.outcome = .pass
                case (.aboveCeiling, .decrease), (.belowCeiling, .increase): assessment.outcome = .fail
                default: assessment.outcome = .inconclusive
                }
                result.guardrail = c.decision == .belowCeiling ? "below_ceiling" : (c.decision == .aboveCeiling ? "above_ceiling" : "inconclusive")
            }
        case .relativeMargin(let m), .absoluteMargin(let m):
            let margin: Margin = { if case .relativeMargin = metric.threshold { return .relative(m) } else { return .absolute(m) } }()
            switch control.guardrail(treatment: treatment, test: GuardrailTest(margin: margin, direction: direction, settings: deciding)) {
            case .failure(let reason):
                assessment.problem = reason.description
            case .success(let g):
                assessment.effect = g.effect.estimate
                assessment.lower = g.effect.lower
                assessment.upper = g.effect.upper
                assessment.relative = { if case .relative = margin { return true } else { return false } }()
                if let problem = g.problem {
                    assessment.problem = problem.description
                } else {
                    switch g.decision {
                    case .nonInferior: assessment.outcome = .pass; result.guardrail = "non_inferior"
                    case .regression: assessment.outcome = .fail; result.guardrail = "regression"
                    case .inconclusive: assessment.outcome = .inconclusive; result.guardrail = "inconclusive"
                    }
                }
            }
        }
        if assessment.outcome == .missing {
            result.problem = assessment.problem ?? (try? decisive.get())?.problem?.description
        }
        result.outcome = assessment.outcome
        return assessment
    }
}

extension Estimate {
    init(_ e: EffectEstimate) {
        self.init(estimate: e.estimate, lower: e.lower, upper: e.upper, pValue: e.pValue, problem: e.problem?.description)
    }
}

extension ThresholdSummary {
    init(_ t: GuardrailThreshold) {
        switch t {
        case .relativeMargin(let x): self.init(type: "relative_margin", value: x)
        case .absoluteMargin(let x): self.init(type: "absolute_margin", value: x)
        case .ceiling(let x): self.init(type: "ceiling", value: x)
        }
    }
}
