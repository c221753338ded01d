import RampartStats

/// Timings of ``StatsBenchmark/run(iterations:)``, per full experiment analysis.
public struct StatsBenchmarkResult: Sendable, Hashable, CustomStringConvertible {
    /// Timed iterations.
    public var iterations: Int
    /// Median wall-clock nanoseconds per analysis.
    public var medianNanoseconds: Int64
    /// 90th percentile nanoseconds per analysis.
    public var p90Nanoseconds: Int64
    /// Fastest analysis, nanoseconds.
    public var minimumNanoseconds: Int64
    /// A sum over all results, kept so the work cannot be optimised away.
    public var checksum: Double

    /// Creates a result.
    public init(iterations: Int, medianNanoseconds: Int64, p90Nanoseconds: Int64, minimumNanoseconds: Int64, checksum: Double) {
        self.iterations = iterations
        self.medianNanoseconds = medianNanoseconds
        self.p90Nanoseconds = p90Nanoseconds
        self.minimumNanoseconds = minimumNanoseconds
        self.checksum = checksum
    }

    public var description: String {
        "stats: full experiment analysis, \(iterations) iterations: median \(Double(medianNanoseconds) / 1000) µs, p90 \(Double(p90Nanoseconds) / 1000) µs, min \(Double(minimumNanoseconds) / 1000) µs"
    }
}
