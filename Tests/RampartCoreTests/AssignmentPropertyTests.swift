import Testing
import RampartCore

/// Properties of assignment over 100,000 units: stickiness through a ramp, uniformity and independence.
@Suite("Assignment properties")
struct AssignmentPropertyTests {
    static let units = (0..<100_000).map { "user-\($0)" }

    /// Critical values of the chi-square distribution at p = 0.001 (scipy.stats.chi2.ppf(0.999, df)).
    static let chiSquare999: [Int: Double] = [1: 10.827566, 3: 16.266236, 99: 148.230359]

    @Test func unitsNeverMoveBetweenVariantsAsCoverageGrows() {
        let stages = [0.01, 0.05, 0.25, 0.5, 1.0]
        let compiled = stages.map { CompiledExperiment(Fixtures.experiment(weights: [0.5, 0.3, 0.2]), coverage: $0) }
        var moved = 0
        var enrolledCounts = Array(repeating: 0, count: stages.count)
        for unit in Self.units {
            var first: String?
            for (stage, experiment) in compiled.enumerated() {
                let a = experiment.assign(unit: unit)
                guard a.enrolled else {
                    // Once enrolled, a unit stays enrolled at every larger coverage.
                    if first != nil { moved += 1 }
                    continue
                }
                enrolledCounts[stage] += 1
                if let f = first, f != a.variant.key { moved += 1 }
                first = first ?? a.variant.key
            }
        }
        #expect(moved == 0)
        for (stage, coverage) in stages.enumerated() {
            let share = Double(enrolledCounts[stage]) / Double(Self.units.count)
            #expect(abs(share - coverage) < 0.01, "coverage \(coverage) enrolled \(share)")
        }
    }

    @Test func bucketsAreUniform() {
        var bins = Array(repeating: 0, count: 100)
        for unit in Self.units {
            let n = Bucketing.hash(seed: "uniformity", value: unit) ?? -1
            bins[min(Int(n * 100), 99)] += 1
        }
        let expected = Double(Self.units.count) / 100
        let statistic = bins.reduce(0) { $0 + pow2(Double($1) - expected) / expected }
        #expect(statistic < Self.chiSquare999[99]!, "chi-square \(statistic) over 100 bins")
    }

    @Test func variantSplitMatchesWeights() {
        let experiment = CompiledExperiment(Fixtures.experiment(weights: [0.25, 0.25, 0.25, 0.25]))
        var counts: [String: Int] = [:]
        for unit in Self.units { counts[experiment.assign(unit: unit).variant.key, default: 0] += 1 }
        let expected = Double(Self.units.count) / 4
        let statistic = counts.values.reduce(0) { $0 + pow2(Double($1) - expected) / expected }
        #expect(counts.count == 4)
        #expect(statistic < Self.chiSquare999[3]!, "chi-square \(statistic): \(counts)")
    }

    @Test func experimentsWithDifferentSaltsAreIndependent() {
        let a = CompiledExperiment(Fixtures.experiment(key: "a"))
        let b = CompiledExperiment(Fixtures.experiment(key: "b"))
        var table = [[0, 0], [0, 0]]
        for unit in Self.units {
            let i = a.assign(unit: unit).variant.key == "control" ? 0 : 1
            let j = b.assign(unit: unit).variant.key == "control" ? 0 : 1
            table[i][j] += 1
        }
        let n = Double(Self.units.count)
        var statistic = 0.0
        for i in 0..<2 {
            for j in 0..<2 {
                let row = Double(table[i][0] + table[i][1])
                let column = Double(table[0][j] + table[1][j])
                let expected = row * column / n
                statistic += pow2(Double(table[i][j]) - expected) / expected
            }
        }
        #expect(statistic < Self.chiSquare999[1]!, "chi-square of independence \(statistic): \(table)")
    }

    @Test func aNewPhaseReshufflesUnits() {
        let before = CompiledExperiment(Fixtures.experiment(phase: 0))
        let after = CompiledExperiment(Fixtures.experiment(phase: 1))
        let changed = Self.units.prefix(10_000).filter {
            before.assign(unit: $0).variant.key != after.assign(unit: $0).variant.key
        }.count
        // Independent re-randomization moves about half of the units of a 50/50 split.
        #expect(changed > 4_500 && changed < 5_500)
    }
}

private func pow2(_ x: Double) -> Double { x * x }
