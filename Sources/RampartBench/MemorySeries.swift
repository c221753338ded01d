/// Resident-memory samples of a process over a run, and its level over a window.
///
/// A server's resident memory swings as the allocator takes and gives back pages (a soak's 5-second samples range
/// over ±30 % of their median), so one sample says more about where in the swing it fell than about the level. The
/// level over a window is the median of the samples taken in it, which samples at the top or the bottom of the
/// swing do not move.
///
/// A sample can be marked busy (the process was doing work of the kind that swings it, such as an analysis, during
/// the sample's interval), so that the level at rest and the share of busy samples can be told apart: when that work
/// takes longer as a run goes on, more of the samples fall in it, and the level over all samples rises with no
/// memory held.
public struct MemorySeries: Sendable {
    /// One sample: seconds since the start, resident memory in MiB, and whether it was taken busy.
    public struct Sample: Sendable, Equatable {
        public var seconds: Double
        public var mib: Double
        public var busy = false
    }

    /// The samples, in the order taken.
    public private(set) var samples: [Sample] = []

    public init() {}

    /// Adds a sample.
    ///
    /// - Parameters:
    ///   - seconds: Seconds since the start.
    ///   - mib: Resident memory in MiB; samples of 0 (the process was gone) are left out.
    ///   - busy: Whether the process was busy during the sample's interval.
    public mutating func append(seconds: Double, mib: Double, busy: Bool = false) {
        guard mib > 0 else { return }
        samples.append(Sample(seconds: seconds, mib: mib, busy: busy))
    }

    /// The median of the samples taken in `window`; nil when there are none.
    ///
    /// - Parameters:
    ///   - window: Seconds since the start, both ends included.
    ///   - busy: Only the samples taken busy (true) or at rest (false); all of them when nil.
    public func level(in window: ClosedRange<Double>, busy: Bool? = nil) -> Double? {
        let values = samples(in: window, busy: busy).map(\.mib)
        return values.isEmpty ? nil : BenchTimer.Result.median(values)
    }

    /// The share of the samples in `window` taken busy, from 0 to 1; nil when there are none.
    ///
    /// - Parameter window: Seconds since the start, both ends included.
    public func busyShare(in window: ClosedRange<Double>) -> Double? {
        let taken = samples(in: window)
        guard !taken.isEmpty else { return nil }
        return Double(taken.filter(\.busy).count) / Double(taken.count)
    }

    /// The samples taken in `window`, all of them or only those with `busy` as given.
    public func samples(in window: ClosedRange<Double>, busy: Bool? = nil) -> [Sample] {
        samples.filter { window.contains($0.seconds) && (busy == nil || $0.busy == busy) }
    }

    /// The first sample taken at or after `seconds`, else the last one; nil when there are none.
    ///
    /// - Parameter seconds: Seconds since the start.
    public func sample(atOrAfter seconds: Double) -> Double? {
        (samples.first { $0.seconds >= seconds } ?? samples.last)?.mib
    }
}
