import Foundation
import Testing
@testable import RampartStats

/// Cochran's Q, I² and per-segment deviations against scripts/stats_reference.py (statsmodels combine_effects,
/// leave-one-out deviations, scipy, multipletests), to 1e-6 relative; and degenerate input.
@Suite("Heterogeneity across segments")
struct HeterogeneityReferenceTests {
    static func segments(_ input: JSON) -> [EffectEstimate] {
        let estimates = (input["estimates"]?.array ?? []).map(\.double)
        let errors = (input["errors"]?.array ?? []).map(\.double)
        return zip(estimates, errors).map { EffectEstimate(estimate: $0, standardError: $1) }
    }

    @Test("Cochran's Q and deviations (statsmodels combine_effects)", arguments: Fixture.ids("heterogeneity"))
    func reference(id: String) throws {
        let c = try #require(Fixture.shared.cases[id])
        let result = HeterogeneityTest(alpha: c.input["alpha"]?.double ?? 0.05).evaluate(Self.segments(c.input))
        let problems = (c.expected["segmentProblems"]?.array ?? []).map(\.string)
        #expect(result.segments.map { reasonName($0.problem) } == problems)
        if let problem = c.expected["problem"]?.string {
            #expect(reasonName(result.problem) == problem)
            #expect(result.q == nil && result.pValue == nil)
            return
        }
        #expect(result.problem == nil)
        expectClose(result.q, c.expected["q"]?.double, "q")
        #expect(result.degreesOfFreedom == c.expected["dof"]?.int)
        expectClose(result.pValue, c.expected["pValue"]?.double, "pValue")
        expectClose(result.iSquared, c.expected["iSquared"]?.double, "iSquared", absolute: 1e-12)
        expectClose(result.pooled, c.expected["pooled"]?.double, "pooled")
        expectClose(result.pooledStandardError, c.expected["pooledStandardError"]?.double, "pooledStandardError")
        let z = c.expected["z"]?.array ?? [], p = c.expected["pValues"]?.array ?? []
        let adjusted = c.expected["adjusted"]?.array ?? [], differs = c.expected["differs"]?.array ?? []
        #expect(result.segments.count == z.count)
        for (i, segment) in result.segments.enumerated() {
            expectClose(segment.z, z[i].double, "z[\(i)]")
            expectClose(segment.pValue, p[i].double, "p[\(i)]")
            expectClose(segment.adjustedPValue, adjusted[i].double, "adjusted[\(i)]")
            #expect(segment.differs == differs[i].bool, "differs[\(i)]")
            if z[i].isNull { #expect(segment.z == nil) }
        }
    }

    /// The cases cover a flag raised and not raised, so the reference test can fail both ways.
    @Test func theCasesFlagSomeSegmentsAndNotOthers() throws {
        let flags = Fixture.ids("heterogeneity").flatMap { Fixture.shared.cases[$0]?.expected["differs"]?.array ?? [] }.compactMap(\.bool)
        #expect(flags.contains(true) && flags.contains(false))
    }

    @Test func degenerateInputGivesAReason() {
        let test = HeterogeneityTest()
        #expect(test.evaluate([]).problem != nil)
        let one = test.evaluate([EffectEstimate(estimate: 0.1, standardError: 0.02)])
        #expect(one.q == nil && one.problem != nil && one.segments.count == 1)
        let degenerate = test.evaluate([
            EffectEstimate.degenerate(.zeroControlMean), EffectEstimate(estimate: .nan, standardError: 1),
            EffectEstimate(estimate: 0.1, standardError: 0),
        ])
        #expect(degenerate.problem != nil)
        #expect(degenerate.segments.map { reasonName($0.problem) } == ["zeroControlMean", "nonFiniteInput", "zeroVariance"])
        #expect(HeterogeneityTest(alpha: 1.5).evaluate([EffectEstimate(estimate: 0, standardError: 1), EffectEstimate(estimate: 1, standardError: 1)]).problem != nil)
        // Identical estimates: Q = 0, I² = 0, nothing differs.
        let same = test.evaluate([EffectEstimate(estimate: 0.05, standardError: 0.01), EffectEstimate(estimate: 0.05, standardError: 0.02)])
        #expect(same.q == 0 && same.iSquared == 0 && same.pValue == 1 && same.segments.allSatisfy { !$0.differs })
    }
}
