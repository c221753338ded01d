/// Times rounds of a workload and reports the median time per operation.
public struct BenchTimer {
    /// The result of timing one workload.
    public struct Result {
        /// The workload's name in the report.
        public var name: String
        /// Operations per timed round.
        public var operations: Int
        /// Nanoseconds per operation, one value per round.
        public var nanosecondsPerOperation: [Double]

        /// A result from its rounds.
        @inlinable
        public init(name: String, operations: Int, nanosecondsPerOperation: [Double]) {
            self.name = name
            self.operations = operations
            self.nanosecondsPerOperation = nanosecondsPerOperation
        }

        /// The median over rounds.
        public var median: Double { Self.median(nanosecondsPerOperation) }
        /// The fastest round.
        public var minimum: Double { nanosecondsPerOperation.min() ?? .nan }
        /// The slowest round.
        public var maximum: Double { nanosecondsPerOperation.max() ?? .nan }

        /// The median of `values`, NaN when empty.
        public static func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return .nan }
            let mid = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
        }

        /// One report line: the name, median, minimum, maximum and rounds.
        public var line: String {
            let per = { (x: Double) in x < 10_000 ? String(format: "%.1f ns", x) : String(format: "%.2f µs", x / 1_000) }
            return "\(name.padding(toLength: 34, withPad: " ", startingAt: 0)) median \(per(median))/op  (min \(per(minimum)), max \(per(maximum)), \(nanosecondsPerOperation.count) rounds × \(operations) ops)"
        }
    }

    /// Runs `body` once to warm up, then `rounds` times, each performing `operations` operations.
    ///
    /// - Parameters:
    ///   - name: The workload's name in the report.
    ///   - rounds: How many timed rounds.
    ///   - operations: How many operations one call of `body` performs.
    ///   - body: The workload; it returns a checksum so the optimizer cannot remove it.
    @inlinable
    public static func measure(_ name: String, rounds: Int, operations: Int, _ body: () -> Int) -> (Result, checksum: Int) {
        var checksum = body()
        var samples: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<rounds {
            var value = 0
            let elapsed = clock.measure { value = body() }
            checksum &+= value
            let ns = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
            samples.append(ns / Double(operations))
        }
        return (Result(name: name, operations: operations, nanosecondsPerOperation: samples), checksum)
    }
}
