import Foundation
import RampartStats

/// The Bayesian view of a primary metric's treatment (docs/statistics.md, "Bayesian view"): flat prior, normal
/// approximation, on the relative effect (the absolute one when control's value is 0).
public struct BayesianSummary: Sendable, Codable, Hashable {
    /// P(treatment is better than control), in the metric's good direction.
    public var chanceToBeatControl: Double?
    /// Expected loss of shipping the treatment, E[max(0, −gain)], on the `scale`.
    public var expectedLoss: Double?
    /// Expected loss of keeping control, E[max(0, gain)].
    public var expectedLossControl: Double?
    /// `relative` (treatment / control − 1) or `absolute` (treatment − control).
    public var scale: String
    /// Why the numbers are missing.
    public var problem: String?

    enum CodingKeys: String, CodingKey {
        case scale, problem
        case chanceToBeatControl = "chance_to_beat_control"
        case expectedLoss = "expected_loss"
        case expectedLossControl = "expected_loss_control"
    }

    init(_ result: BayesianResult) {
        chanceToBeatControl = result.chanceToBeatControl.finite
        expectedLoss = result.expectedLossTreatment.finite
        expectedLossControl = result.expectedLossControl.finite
        scale = result.relative ? "relative" : "absolute"
        problem = result.problem?.description
    }
}
