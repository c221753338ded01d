/// Units required per arm for a fixed-horizon test (fractional, as statsmodels reports them).
public struct RequiredUnits: Sendable, Hashable {
    /// Units in control.
    public var control: Double
    /// Units in treatment.
    public var treatment: Double

    /// Creates a requirement.
    public init(control: Double, treatment: Double) {
        self.control = control
        self.treatment = treatment
    }

    /// Control plus treatment.
    public var total: Double { control + treatment }
}
