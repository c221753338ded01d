/// A change a release manager (or the automatic mode) makes to a running experiment.
public enum RampAction: String, Sendable, Hashable, Codable, CaseIterable {
    /// Move to the next stage of the ramp plan; needs an ADVANCE verdict.
    case advance
    /// Serve control to everyone now and stop the experiment; always allowed.
    case rollback
    /// Serve control to everyone for now, keeping the stage; always allowed.
    case pause
    /// Resume a paused experiment at its stage; refused while the verdict says ROLLBACK.
    case resume
    /// Give a treatment to everyone; needs a SHIP verdict.
    case ship
}
