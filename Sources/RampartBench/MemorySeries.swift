/// Resident-memory samples of a process over a run, and its level over a window.
///
/// A server's resident memory swings as the allocator takes and gives back pages (a soak's 5-second samples range
/// over ±30 % of their median), so one sample says more about where in the swing it fell than about the level. The
/// level over a window is the median of the samples taken in it, which samples at the top or the bottom of the
/// swing do not move.
public struct MemorySeries: Sendable {
    /// One sample: seconds since the start, resident memory in MiB.
    public struct Sample: Sendable, Equatable {
        public var seconds: Double
        public var mib: Double
    }

    /// The samples, in the order taken.
    public private(set) var samples: [Sample] = []

    public init() {}

    /// Adds a sample.
    ///
    /// - Parameters:
    ///   - seconds: Seconds since the start.
    ///   - mib: Resident memory in MiB; samples of 0 (the process was gone) are left out.
    public mutating func append(seconds: Double, mib: Double) {
        guard mib > 0 else { return }
        samples.append(Sample(seconds: seconds, mib: mib))
    }

    /// The median of the samples taken in `window`; nil when there are none.
    ///
    /// - Parameter window: Seconds since the start, both ends included.
    public func level(in window: ClosedRange<Double>) -> Double? {
        let values = samples.filter { window.contains($0.seconds) }.map(\.mib).sorted()
        guard !values.isEmpty else { return nil }
        let middle = values.count / 2
        return values.count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2
    }

    /// The first sample taken at or after `seconds`, else the last one; nil when there are none.
    ///
    /// - Parameter seconds: Seconds since the start.
    public func sample(atOrAfter seconds: Double) -> Double? {
        (samples.first { $0.seconds >= seconds } ?? samples.last)?.mib
    }
}
