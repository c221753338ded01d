/// The lifecycle state of an experiment.
public enum ExperimentStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Being written; nobody is enrolled.
    case draft
    /// Enrolling units at the current coverage.
    case running
    /// Temporarily serving control to everyone; no new exposures.
    case paused
    /// Ended without a winner; everyone is served control.
    case stopped
    /// Ended with a winner; everyone is served the shipped variant.
    case shipped
}
