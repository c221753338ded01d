/// Units and days needed to reach a decision, for a fixed-horizon and a sequential test.
public struct PowerPlan: Sendable, Hashable {
    /// The absolute effect planned for (baseline × relative effect).
    public var absoluteEffect: Double
    /// Units per arm for the fixed-horizon test.
    public var fixedHorizonUnits: RequiredUnits
    /// Days until the fixed-horizon test may be read (fractional; round up for a schedule).
    public var fixedHorizonDays: Double
    /// Total units (control + treatment) at which the sequential test reaches the target power.
    public var sequentialUnits: Double
    /// Expected days to a sequential decision at the target power.
    public var sequentialDays: Double

    /// Creates a plan.
    public init(absoluteEffect: Double, fixedHorizonUnits: RequiredUnits, fixedHorizonDays: Double, sequentialUnits: Double, sequentialDays: Double) {
        self.absoluteEffect = absoluteEffect
        self.fixedHorizonUnits = fixedHorizonUnits
        self.fixedHorizonDays = fixedHorizonDays
        self.sequentialUnits = sequentialUnits
        self.sequentialDays = sequentialDays
    }
}
