import Foundation
import Testing
@testable import RampartStats

/// Monte-Carlo checks of ``HeterogeneityTest``: with the same true effect in every segment, Cochran's Q rejects at
/// about α and the Holm-corrected deviation flags raise a false alarm in at most about α of the runs; with one
/// segment's effect shifted, that segment is flagged most of the time. Seeded, a few milliseconds.
@Suite("Heterogeneity by simulation")
struct HeterogeneitySimulationTests {
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) / Double(1 << 53) }
        mutating func normal() -> Double { (-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform()) }
    }

    static let errors = [0.01, 0.02, 0.03, 0.05, 0.015]

    static func run(shift: Double, runs: Int, seed: UInt64) -> (qRejections: Int, anyFlag: Int, shiftedFlagged: Int) {
        var g = Generator(state: seed)
        let test = HeterogeneityTest(alpha: 0.05)
        var counts = (0, 0, 0)
        for _ in 0..<runs {
            let segments = errors.enumerated().map { i, s in
                EffectEstimate(estimate: 0.04 + (i == 3 ? shift : 0) + s * g.normal(), standardError: s)
            }
            let result = test.evaluate(segments)
            if (result.pValue ?? 1) < 0.05 { counts.0 += 1 }
            if result.segments.contains(where: \.differs) { counts.1 += 1 }
            if result.segments[3].differs { counts.2 += 1 }
        }
        return counts
    }

    @Test func underHomogeneityQRejectsAtAlphaAndFlagsAreRare() {
        let runs = 4_000
        let (q, flags, _) = Self.run(shift: 0, runs: runs, seed: 20261201)
        // Binomial(4000, 0.05): mean 200, sd 13.8; ±4 sd.
        #expect((145...255).contains(q), "Q rejected \(q) of \(runs)")
        // Holm keeps the family-wise error at most α (the deviations are correlated, so below it).
        #expect(flags <= 255, "a segment flagged in \(flags) of \(runs)")
    }

    @Test func aShiftedSegmentIsFlagged() {
        // Segment 3 (SE 0.05) shifted by 0.2 = 4 SE: its deviation z is about 0.2/√(0.05² − 1/W) ≈ 4.1.
        let (q, _, flagged) = Self.run(shift: 0.2, runs: 1_000, seed: 7)
        #expect(q > 900 && flagged > 850, "Q \(q), flagged \(flagged) of 1000")
    }
}
