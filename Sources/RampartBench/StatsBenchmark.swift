import RampartStats

/// Times a full analysis of one experiment from its sufficient statistics.
///
/// The workload (see `ExperimentAnalysisExample`): SRM; three proportion metrics, each
/// with a fixed-horizon and a sequential comparison; a Bayesian view of the primary;
/// two sequential relative guardrails; a mean metric; a CUPED-adjusted metric; a
/// sequential ratio metric with a ceiling; p95 intervals for both arms through a
/// histogram, their comparison and a ceiling; Holm and Benjamini–Hochberg corrections.
public enum StatsBenchmark {
    /// Runs the analysis `iterations` times (after a short warm-up) and reports the timings.
    /// - Parameter iterations: Timed iterations, default 10,000.
    public static func run(iterations: Int = 10_000) -> StatsBenchmarkResult {
        let example = ExperimentAnalysisExample()
        let clock = ContinuousClock()
        var checksum = 0.0
        for _ in 0..<min(100, max(iterations, 1)) { checksum += example.analyse() }
        var samples: [Int64] = []
        samples.reserveCapacity(max(iterations, 1))
        for _ in 0..<max(iterations, 1) {
            let start = clock.now
            checksum += example.analyse()
            let elapsed = clock.now - start
            samples.append(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        }
        samples.sort()
        func percentile(_ p: Double) -> Int64 {
            samples[min(samples.count - 1, max(0, Int((Double(samples.count) * p).rounded(.up)) - 1))]
        }
        return StatsBenchmarkResult(
            iterations: samples.count,
            medianNanoseconds: percentile(0.5),
            p90Nanoseconds: percentile(0.9),
            minimumNanoseconds: samples.first ?? 0,
            checksum: checksum
        )
    }
}
