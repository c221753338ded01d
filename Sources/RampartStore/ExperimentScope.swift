import Foundation
import RampartCore

/// An experiment in one phase, optionally as it stood at a moment: the population that attribution and analysis
/// are about.
public struct ExperimentScope: Sendable, Hashable, CustomStringConvertible {
    /// The experiment key, as recorded in exposures.
    public var key: String
    /// The phase; exposures without a phase are phase 0.
    public var phase: Int
    /// Analyse the data as it stood at this moment: only events and exposures with a timestamp at or before it,
    /// and the multi-variant exclusion as of it. `nil` reads everything stored.
    public var asOf: Date?
    /// Restrict the population to one segment's units (``SegmentStore``); `nil`, every unit, by default.
    public var segment: SegmentFilter?

    /// Creates a scope.
    ///
    /// - Parameters:
    ///   - key: The experiment key.
    ///   - phase: The phase, 0 by default.
    ///   - asOf: The moment the data is read as of; `nil` (everything stored) by default.
    public init(key: String, phase: Int = 0, asOf: Date? = nil) {
        self.key = key
        self.phase = phase
        self.asOf = asOf
    }

    /// The scope of an experiment's current phase.
    ///
    /// - Parameters:
    ///   - experiment: The experiment.
    ///   - asOf: The moment the data is read as of; `nil` (everything stored) by default.
    public init(_ experiment: Experiment, asOf: Date? = nil) {
        self.init(key: experiment.key, phase: experiment.phase, asOf: asOf)
    }

    /// The scope without its moment: how exposures are keyed on ingest.
    var population: ExperimentScope { ExperimentScope(key: key, phase: phase) }

    /// ``asOf`` in stored milliseconds (whole milliseconds, rounded down like event timestamps); `Int64.max`
    /// when unset.
    var asOfMilliseconds: Int64 {
        guard let asOf else { return .max }
        let ms = (asOf.timeIntervalSince1970 * 1000).rounded(.down)
        guard ms.isFinite else { return ms > 0 ? .max : .min }
        return ms >= 9.2e18 ? .max : (ms <= -9.2e18 ? .min : Int64(ms))
    }

    public var description: String {
        var base = phase == 0 ? key : "\(key) (phase \(phase))"
        if let segment { base += " [\(segment)]" }
        return asOf.map { "\(base) as of \($0)" } ?? base
    }
}
