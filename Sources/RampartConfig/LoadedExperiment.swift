import RampartCore

/// The outcome of reading one experiment file: the experiment as far as it could be read, every problem found,
/// and where each field was written.
public struct LoadedExperiment: Sendable {
    /// The file it came from.
    public var file: String
    /// The experiment, or `nil` when the file is not a YAML mapping at all.
    public var experiment: Experiment?
    /// Every problem, in file order; errors and warnings.
    public var problems: [ConfigProblem]
    /// The position of each field path, e.g. `variants[1].weight`.
    public var positions: [String: SourcePosition]

    /// Whether the file has any error (warnings don't count).
    public var hasErrors: Bool {
        problems.contains { $0.severity == .error }
    }
}
