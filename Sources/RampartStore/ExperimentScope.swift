import RampartCore

/// An experiment in one phase: the population that attribution and analysis are about.
public struct ExperimentScope: Sendable, Hashable, CustomStringConvertible {
    /// The experiment key, as recorded in exposures.
    public var key: String
    /// The phase; exposures without a phase are phase 0.
    public var phase: Int

    /// Creates a scope.
    ///
    /// - Parameters:
    ///   - key: The experiment key.
    ///   - phase: The phase, 0 by default.
    public init(key: String, phase: Int = 0) {
        self.key = key
        self.phase = phase
    }

    /// The scope of an experiment's current phase.
    ///
    /// - Parameter experiment: The experiment.
    public init(_ experiment: Experiment) {
        self.init(key: experiment.key, phase: experiment.phase)
    }

    public var description: String { phase == 0 ? key : "\(key) (phase \(phase))" }
}
