extension RampAction {
    /// The actions ``RampTransition`` can apply to an experiment in `status`, verdict aside: a running experiment
    /// advances, rolls back, pauses or ships; a paused one rolls back or resumes; a draft, stopped or shipped one
    /// takes none.
    ///
    /// - Parameter status: The experiment's status.
    public static func available(in status: ExperimentStatus) -> [RampAction] {
        switch status {
        case .running: [.advance, .rollback, .pause, .ship]
        case .paused: [.rollback, .resume]
        case .draft, .stopped, .shipped: []
        }
    }

    /// The action as a verb in a sentence: "roll back" for `rollback`.
    public var verb: String {
        self == .rollback ? "roll back" : rawValue
    }
}
