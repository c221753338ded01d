import Foundation
import RampartCore
import RampartStats
import RampartStore

/// Turns one metric's sufficient statistics into per-variant arms and tests every treatment against control.
struct MetricAnalyzer {
    let experiment: Experiment
    /// The α-spending design's looks; `nil` for the mixture.
    var looks: SequentialLooks? = nil

    var analysis: AnalysisSettings { experiment.analysis }

    var fixed: TestSettings {
        TestSettings(alpha: analysis.alpha, sequential: false, sequentialTuning: analysis.sequentialTuning)
    }

    var sequential: TestSettings {
        TestSettings(alpha: analysis.alpha, sequential: true, sequentialTuning: analysis.sequentialTuning)
    }

    /// The settings verdicts use: sequential unless the experiment turned it off (the mixture's; the plan's power).
    var deciding: TestSettings { analysis.sequential ? sequential : fixed }

    /// The sequential settings of a test on some variants with `units` behind its statistic: the experiment's
    /// design, α-spending at the current look when it has one.
    func sequential(_ variants: [String], units: Int) -> TestSettings {
        var settings = sequential
        if let looks { settings.sequentialMethod = .alphaSpending(looks.plan(variants, units: units)) }
        return settings
    }

    /// The settings the verdict reads for a test on some variants: ``sequential(_:units:)`` or fixed-horizon.
    func deciding(_ variants: [String], units: Int) -> TestSettings {
        analysis.sequential ? sequential(variants, units: units) : fixed
    }

    /// Per-variant statistics of a metric, from the store's answer to the plan's request.
    ///
    /// - Throws: `RampartError` when the metric could not be planned (its problem) or is missing from the result.
    func arms(_ metric: MetricDefinition, plan: AnalysisPlan, result: AnalysisResult) throws -> [String: ArmStatistics] {
        if let problem = plan.problems[metric.key] { throw RampartError(.invalidInput, problem) }
        switch metric.kind {
        case .proportion, .mean:
            guard let i = plan.metrics[metric.key] else { throw RampartError(.invalidExperiment, "metric '\(metric.key)' was not planned") }
            // CUPED when some unit has data in the covariate window; otherwise the plain comparison.
            if let covariate = result.covariates[i], covariate.variants.values.contains(where: { $0.x.sumOfSquares > 0 }) {
                return covariate.variants.mapValues { j in
                    .adjusted(RegressionAdjustedStatistics(
                        units: j.y.count, postSum: j.y.sum, postSumSquares: j.y.sumOfSquares,
                        preSum: j.x.sum, preSumSquares: j.x.sumOfSquares, crossSum: j.sumOfProducts
                    ))
                }
            }
            return result.metrics[i].variants.mapValues { s in
                metric.kind == .proportion
                    ? .sample(.proportion(successes: s.sum, units: s.count))
                    : .sample(SampleStatistics(units: s.count, sum: s.sum, sumSquares: s.sumOfSquares))
            }
        case .ratio:
            guard let p = plan.ratios[metric.key] else {
                throw RampartError(.invalidExperiment, "ratio metric '\(metric.key)' names an undefined numerator or denominator")
            }
            return result.pairs[p].variants.mapValues { j in
                .ratio(RatioStatistics(
                    units: j.x.count, numeratorSum: j.x.sum, numeratorSumSquares: j.x.sumOfSquares,
                    denominatorSum: j.y.sum, denominatorSumSquares: j.y.sumOfSquares, crossSum: j.sumOfProducts
                ))
            }
        case .quantile:
            guard let i = plan.metrics[metric.key], let q = result.quantiles[i] else {
                throw RampartError(.invalidExperiment, "quantile metric '\(metric.key)' was not planned")
            }
            let histograms = result.histograms[i] ?? [:]
            var arms: [String: ArmStatistics] = [:]
            for (key, v) in q.variants {
                let stats = RampartStats.QuantileStatistics(
                    units: v.perUnit.x.count, level: q.level, estimate: v.estimate,
                    sumM: v.perUnit.x.sum, sumMSquares: v.perUnit.x.sumOfSquares,
                    sumY: v.perUnit.y.sum, sumYSquares: v.perUnit.y.sumOfSquares, sumYM: v.perUnit.sumOfProducts
                )
                let histogram = histograms[key].flatMap { Histogram(edges: $0.edges, counts: $0.counts) }
                arms[key] = .quantile(stats, histogram)
            }
            return arms
        }
    }

    /// The metric's report and, for primaries and guardrails, what the verdict policy should read from it.
    func analyze(_ metric: MetricDefinition, arms: [String: ArmStatistics]) -> (MetricReport, [MetricAssessment]) {
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
            variants: variants,
            cupedWindowDays: control.map { if case .adjusted = $0 { return metric.effectiveCupedWindowDays } else { return nil } } ?? nil
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
        let pair = [experiment.control, variant], pairUnits = control.units + treatment.units
        let sequentialResult = control.compare(treatment: treatment, test: EffectTest(settings: sequential(pair, units: pairUnits)))
        if case .success(let f) = fixedResult, case .success(let s) = sequentialResult {
            result.absolute = EffectPair(fixed: Estimate(f.absolute), sequential: Estimate(s.absolute))
            result.relative = EffectPair(fixed: Estimate(f.relative), sequential: Estimate(s.relative))
        }
        let decisive = analysis.sequential ? sequentialResult : fixedResult
        if case .adjusted = control, case .success(let adjusted) = fixedResult,
            case .success(let plain) = control.unadjusted.compare(treatment: treatment.unadjusted, test: EffectTest(settings: fixed)),
            let a = adjusted.absolute.standardError, let p = plain.absolute.standardError, p > 0, a.isFinite, p.isFinite
        {
            result.cupedVarianceReduction = 1 - (a * a) / (p * p)
        }

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
        if let c = test.control, let t = test.treatment {
            let bayes = BayesianComparison(direction: metric.direction == .increase ? .higherIsBetter : .lowerIsBetter, relative: relativeUsable)
            result.bayesian = BayesianSummary(bayes.compare(ArmPair(control: c, treatment: t)))
        }
        assessment.intervalLabel = intervalLabel(oneSided: false)
        if let looks, effect.lower == -.infinity, effect.upper == .infinity {
            // The overrun rule: α was fully spent at the first look at or past the maximum (or the calendar horizon);
            // nothing more is decided.
            let why = looks.exhaustedNote
            assessment.problem = why
            result.problem = why
            assessment.outcome = .inconclusive
            assessment.effect = effect.estimate
            assessment.relative = relativeUsable
            result.outcome = .inconclusive
            return assessment
        }
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
            let c = treatment.ceiling(CeilingTest(ceiling: limit, settings: deciding([variant], units: treatment.units)))
            assessment.value = c.statistic.estimate
            assessment.lower = c.statistic.lower
            assessment.upper = c.statistic.upper
            assessment.relative = false
            // Above a ceiling is beyond it for a lower-is-better metric; below a floor, for a higher-is-better one.
            assessment.probabilityBeyondThreshold = c.probabilityAbove.map { metric.direction == .decrease ? $0 : 1 - $0 }
            assessment.intervalLabel = intervalLabel(oneSided: true)
            result.guardrailBounds = GuardrailBounds(
                estimate: c.statistic.estimate, lower: c.statistic.lower, upper: c.statistic.upper,
                level: 1 - analysis.alpha, sequential: deciding.sequential, scale: "value", limit: limit
            )
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
            switch control.guardrail(treatment: treatment, test: GuardrailTest(margin: margin, direction: direction, settings: deciding([experiment.control, variant], units: control.units + treatment.units))) {
            case .failure(let reason):
                assessment.problem = reason.description
            case .success(let g):
                assessment.effect = g.effect.estimate
                assessment.lower = g.effect.lower
                assessment.upper = g.effect.upper
                assessment.relative = { if case .relative = margin { return true } else { return false } }()
                assessment.probabilityBeyondThreshold = g.probabilityBeyondMargin
                assessment.intervalLabel = intervalLabel(oneSided: true)
                result.guardrailBounds = GuardrailBounds(
                    estimate: g.effect.estimate, lower: g.effect.lower, upper: g.effect.upper,
                    level: 1 - analysis.alpha, sequential: deciding.sequential, scale: assessment.relative ? "relative" : "absolute",
                    limit: direction == .lowerIsBetter ? m : -m
                )
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
            assessment.probabilityBeyondThreshold = nil
        }
        result.outcome = assessment.outcome
        result.probabilityBeyondThreshold = assessment.probabilityBeyondThreshold.finite
        return assessment
    }
}

extension MetricAnalyzer {
    /// How verdict reasons name an assessment's interval: "sequential 95% CI" (two-sided, as the report's
    /// `relative` / `absolute`) or "one-sided sequential 95% bounds" (a guardrail's, as its `guardrail_bounds`).
    func intervalLabel(oneSided: Bool) -> String {
        let percent = ReportFormat.level(1 - analysis.alpha)
        let mode = deciding.sequential ? "sequential " : ""
        return oneSided ? "one-sided \(mode)\(percent) bounds" : "\(mode)\(percent) CI"
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
