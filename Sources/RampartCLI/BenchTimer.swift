/// Times rounds of a workload and reports the median time per operation.
struct BenchTimer {
    /// The result of timing one workload.
    struct Result {
        var name: String
        var operations: Int
        var nanosecondsPerOperation: [Double]

        var median: Double { Self.median(nanosecondsPerOperation) }
        var minimum: Double { nanosecondsPerOperation.min() ?? .nan }
        var maximum: Double { nanosecondsPerOperation.max() ?? .nan }

        static func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return .nan }
            let mid = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
        }

        var line: String {
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
    static func measure(_ name: String, rounds: Int, operations: Int, _ body: () -> Int) -> (Result, checksum: Int) {
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
