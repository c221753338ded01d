import Foundation
import RampartCore
import RampartStats
import RampartStore

extension ExperimentAnalyzer {
    /// The assessments of the segment guardrails an experiment opted in to (a guardrail's `segments:`): for each
    /// attribute and value, the guardrail's own test on the segment's units, named "Name [attribute = value]", so that
    /// the verdict policy reads them like the guardrail itself (a regression rolls back, a guardrail at risk or with
    /// no number holds, the last stage ships only when each is non-inferior) and its reasons name the segment, in
    /// words and in their `segment`. None without opt-in. Each segment's analysis reads the guarded metrics only.
    ///
    /// The tests are the experiment's sequential (or fixed-horizon) tests; under α-spending a segment guardrail
    /// uses the normal-mixture confidence sequence, valid at any looks, since the design's looks count all units.
    ///
    /// - Parameters:
    ///   - e: The experiment.
    ///   - scope: The experiment's scope, as of the analysis.
    func segmentGuardrailAssessments(_ e: Experiment, scope: ExperimentScope) async throws -> [MetricAssessment] {
        let guarded = e.metrics.filter { $0.role == .guardrail && !($0.segments ?? [:]).isEmpty }
        guard !guarded.isEmpty else { return [] }
        let plan = AnalysisPlan(e, only: AnalysisPlan.withRatioParts(guarded))
        var segments: [SegmentFilter] = []
        for metric in guarded {
            for (attribute, values) in metric.segments ?? [:] {
                for value in values where !segments.contains(SegmentFilter(attribute: attribute, value: value)) {
                    segments.append(SegmentFilter(attribute: attribute, value: value))
                }
            }
        }
        let analyzer = MetricAnalyzer(experiment: e)
        var assessments: [MetricAssessment] = []
        for segment in segments.sorted(by: { ($0.attribute, $0.value) < ($1.attribute, $1.value) }) {
            var segmentScope = scope
            segmentScope.segment = segment
            let result = try await store.analysis(plan.request, in: segmentScope)
            for metric in guarded where metric.segments?[segment.attribute]?.contains(segment.value) == true {
                let suffix = " " + segment.bracketed
                do {
                    let arms = try analyzer.arms(metric, plan: plan, result: result)
                    let (_, found) = analyzer.analyze(metric, arms: arms)
                    assessments += found.map { a in
                        var a = a
                        a.name += suffix
                        a.segment = segment
                        return a
                    }
                } catch let error as RampartError {
                    for variant in e.variants.map(\.key) where variant != e.control {
                        assessments.append(MetricAssessment(metric: metric.key, name: metric.name + suffix, role: .guardrail, variant: variant, outcome: .missing, threshold: metric.threshold, problem: error.message, segment: segment))
                    }
                }
            }
        }
        return assessments
    }
}
