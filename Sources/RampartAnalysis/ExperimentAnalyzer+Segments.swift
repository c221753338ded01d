import Foundation
import RampartCore
import RampartStats
import RampartStore

extension ExperimentAnalyzer {
    /// The experiment's metrics with a role within each value of one of its segment attributes, as of a moment
    /// (docs/report-format.md, "Segments").
    ///
    /// Each segment is the experiment's analysis restricted to the units whose first exposure recorded the value
    /// (``ExperimentScope/segment``): the same arms, tests and CUPED as the report's `metrics`. A segment with
    /// fewer than `segment_min_units` enrolled units in some variant shows its units and values but no effect.
    /// Across the segments with enough units, each metric and treatment gets Holm-corrected p-values of its
    /// fixed-horizon relative effect, Cochran's Q and, per segment, a deviation from the pooled effect
    /// (``HeterogeneityTest``).
    ///
    /// - Parameters:
    ///   - e: The experiment.
    ///   - attribute: One of its `segments`.
    ///   - now: The moment the data is read as of.
    /// - Throws: `RampartError` (`invalidInput`) when `attribute` is not one of the experiment's segments, or the
    ///   store cannot read segments.
    public func segments(_ e: Experiment, by attribute: String, asOf now: Date) async throws -> SegmentBreakdown {
        guard e.analysis.segments.contains(attribute) else {
            let known = e.analysis.segments.isEmpty ? "it names none (segments: in the experiment file)" : "its segments: \(e.analysis.segments.joined(separator: ", "))"
            throw RampartError(.invalidInput, "by: '\(attribute)' is not a segment attribute of experiment '\(e.key)'; \(known)")
        }
        guard let segmentStore = store as? any SegmentStore else {
            throw RampartError(.invalidInput, "by: this store cannot read segments")
        }
        let scope = ExperimentScope(e, asOf: now)
        let membership = try await segmentStore.segments(attribute, in: scope)
        let plan = AnalysisPlan(e, depth: .verdict)
        let analyzer = MetricAnalyzer(experiment: e)
        let minimum = e.analysis.segmentMinimumUnits
        let metrics = e.metrics.filter { $0.role != nil }
        let treatments = e.variants.map(\.key).filter { $0 != e.control }

        var values: [SegmentResult] = []
        // Per metric and treatment, each segment's fixed-horizon relative effect (nil: too few units or missing).
        var effects: [String: [EffectEstimate?]] = [:]
        for value in membership.order {
            var segmentScope = scope
            segmentScope.segment = SegmentFilter(attribute: attribute, value: value)
            let result = try await store.analysis(plan.request, in: segmentScope)
            let enrolled = result.attribution.enrolled
            let tooFew = e.variants.contains { (enrolled[$0.key] ?? 0) < minimum }
            var segmentMetrics: [SegmentMetric] = []
            for metric in metrics {
                guard let arms = try? analyzer.arms(metric, plan: plan, result: result) else { continue }
                let (report, _) = analyzer.analyze(metric, arms: arms)
                var variants: [SegmentVariant] = []
                for v in report.variants {
                    var row = SegmentVariant(variant: v.variant, units: v.units, value: v.value)
                    if v.variant != e.control {
                        let id = "\(metric.key)\u{0}\(v.variant)"
                        if tooFew {
                            row.problem = "too few units: fewer than \(minimum) per variant in this segment"
                            effects[id, default: []].append(nil)
                        } else {
                            row.absolute = v.absolute
                            row.relative = v.relative
                            row.problem = v.problem
                            effects[id, default: []].append(Self.fixedRelative(analyzer, arms: arms, control: e.control, treatment: v.variant))
                        }
                    }
                    variants.append(row)
                }
                segmentMetrics.append(SegmentMetric(key: metric.key, name: metric.name, role: metric.role ?? .secondary, variants: variants))
            }
            values.append(SegmentResult(
                value: value, units: enrolled, multiVariantExcluded: result.attribution.multiVariantUnits,
                tooFewUnits: tooFew, metrics: segmentMetrics
            ))
        }

        var heterogeneity: [SegmentHeterogeneity] = []
        let test = HeterogeneityTest(alpha: e.analysis.alpha, correction: .holm)
        for metric in metrics {
            for treatment in treatments {
                let id = "\(metric.key)\u{0}\(treatment)"
                guard let perSegment = effects[id], perSegment.count == values.count else { continue }
                let shown = perSegment.indices.filter { perSegment[$0] != nil }
                let estimates = shown.map { perSegment[$0]! }
                let adjusted = MultipleComparisons.adjust(estimates.map(\.pValue), method: .holm)
                let q = test.evaluate(estimates)
                for (k, s) in shown.enumerated() {
                    guard let m = values[s].metrics.firstIndex(where: { $0.key == metric.key }),
                          let v = values[s].metrics[m].variants.firstIndex(where: { $0.variant == treatment }) else { continue }
                    values[s].metrics[m].variants[v].adjustedPValue = adjusted[k].finite
                    let d = q.segments[k]
                    values[s].metrics[m].variants[v].deviation = SegmentDeviation(
                        z: d.z.finite, pValue: d.pValue.finite, adjustedPValue: d.adjustedPValue.finite, differs: d.differs,
                        problem: d.problem?.description ?? q.problem?.description
                    )
                }
                heterogeneity.append(SegmentHeterogeneity(
                    metric: metric.key, variant: treatment, scale: "relative", segments: shown.count,
                    q: q.q.finite, degreesOfFreedom: q.degreesOfFreedom, pValue: q.pValue.finite, iSquared: q.iSquared.finite,
                    pooled: q.pooled.finite, problem: q.problem?.description
                ))
            }
        }
        return SegmentBreakdown(
            attribute: attribute, correction: "holm", minUnitsPerVariant: minimum, unitsWithoutValue: membership.missing,
            overflowValue: SegmentAttributes.overflow, values: values, heterogeneity: heterogeneity
        )
    }

    /// The fixed-horizon relative effect of `treatment` against `control`, with its standard error.
    static func fixedRelative(_ analyzer: MetricAnalyzer, arms: [String: ArmStatistics], control: String, treatment: String) -> EffectEstimate {
        guard let c = arms[control], c.units > 0, let t = arms[treatment], t.units > 0 else { return .degenerate(.noUnits) }
        switch c.compare(treatment: t, test: EffectTest(settings: analyzer.fixed)) {
        case .success(let result): return result.relative
        case .failure(let reason): return .degenerate(reason)
        }
    }
}
