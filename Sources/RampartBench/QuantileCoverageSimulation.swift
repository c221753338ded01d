import Foundation
import RampartStats

/// A Monte Carlo check that the clustered quantile interval keeps its coverage when one
/// unit contributes many correlated events, and that the naive i.i.d. interval does not.
///
/// Unit i has Mᵢ = 1 + Poisson(λ) events with values exp(μ + uᵢ + εᵢⱼ), uᵢ ~ N(0, τ²),
/// εᵢⱼ ~ N(0, σ²). Because Mᵢ is independent of uᵢ, the events' distribution is
/// lognormal(μ, √(τ² + σ²)), so the true p-quantile is exp(μ + √(τ² + σ²)·Φ⁻¹(p)).
public struct QuantileCoverageSimulation: Sendable, Hashable {
    /// Replications.
    public var replications: Int
    /// Units per replication.
    public var units: Int
    /// λ: mean extra events per unit (each unit has at least one).
    public var extraEventsPerUnit: Double
    /// The quantile level p.
    public var level: Double
    /// τ: the standard deviation of the per-unit random effect (the clustering).
    public var unitEffectStandardDeviation: Double
    /// σ: the within-unit log standard deviation.
    public var eventStandardDeviation: Double
    /// Significance level α.
    public var alpha: Double
    /// Seed for GSL's Mersenne Twister.
    public var seed: UInt

    /// Creates a simulation.
    public init(
        replications: Int = 1_000,
        units: Int = 300,
        extraEventsPerUnit: Double = 9,
        level: Double = 0.95,
        unitEffectStandardDeviation: Double = 0.6,
        eventStandardDeviation: Double = 0.5,
        alpha: Double = 0.05,
        seed: UInt = 7
    ) {
        self.replications = replications
        self.units = units
        self.extraEventsPerUnit = extraEventsPerUnit
        self.level = level
        self.unitEffectStandardDeviation = unitEffectStandardDeviation
        self.eventStandardDeviation = eventStandardDeviation
        self.alpha = alpha
        self.seed = seed
    }

    /// Runs the simulation.
    public func run() -> QuantileCoverageReport {
        let random = RandomSource(seed: seed)
        let logMean = 7.0
        let total = (unitEffectStandardDeviation * unitEffectStandardDeviation + eventStandardDeviation * eventStandardDeviation).squareRoot()
        let truth = exp(logMean + total * (Distributions.normalQuantile(level) ?? .nan))
        let z = Distributions.normalQuantile(1 - alpha / 2) ?? .nan
        var clusteredHits = 0, naiveHits = 0, valid = 0
        var values: [Double] = [], owner: [Int] = []
        for _ in 0..<max(replications, 0) {
            values.removeAll(keepingCapacity: true)
            owner.removeAll(keepingCapacity: true)
            for unit in 0..<units {
                let u = random.gaussian(sigma: unitEffectStandardDeviation)
                for _ in 0..<(1 + random.poisson(mean: extraEventsPerUnit)) {
                    values.append(exp(logMean + u + random.gaussian(sigma: eventStandardDeviation)))
                    owner.append(unit)
                }
            }
            let sample = SortedSample(values)
            guard let estimate = sample.quantile(level) else { continue }
            var m = [Double](repeating: 0, count: units), y = [Double](repeating: 0, count: units)
            for (value, unit) in zip(values, owner) {
                m[unit] += 1
                if value <= estimate { y[unit] += 1 }
            }
            var statistics = QuantileStatistics(units: units, level: level, estimate: estimate)
            for i in 0..<units {
                statistics.sumM += m[i]; statistics.sumMSquares += m[i] * m[i]
                statistics.sumY += y[i]; statistics.sumYSquares += y[i] * y[i]; statistics.sumYM += y[i] * m[i]
            }
            guard case .success(let interval) = statistics.interval(settings: TestSettings(alpha: alpha), distribution: sample) else { continue }
            valid += 1
            if interval.lower <= truth, truth <= interval.upper { clusteredHits += 1 }
            let n = Double(values.count)
            let naiveSigma = (level * (1 - level) / n).squareRoot()
            if let low = sample.value(atProbability: level - z * naiveSigma, rounding: .down),
               let high = sample.value(atProbability: level + z * naiveSigma, rounding: .up),
               low <= truth, truth <= high {
                naiveHits += 1
            }
        }
        let count = Double(max(valid, 1))
        return QuantileCoverageReport(
            simulation: self,
            clusteredCoverage: Double(clusteredHits) / count,
            naiveCoverage: Double(naiveHits) / count,
            replications: valid
        )
    }
}
