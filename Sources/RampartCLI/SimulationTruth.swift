/// What the simulator generated, per variant: the expected rates (means of the per-unit probabilities it drew
/// from) and the realized counts, recorded beside fixtures as part of their ground truth.
struct SimulationTruth: Sendable, Codable {
    struct Variant: Sendable, Codable {
        var units = 0
        var enrolled = 0
        var multiExposed = 0
        var requests = 0
        var requestsCompleted = 0
        var failedRequests = 0
        var costUSD = 0.0
        var latencySumMs = 0.0
        var expectedResolution = 0.0
        var expectedEscalation = 0.0
        var expectedCompletion = 0.0
        var expectedEdits = 0.0
        var expectedPositiveRating = 0.0
        var resolved = 0
        var escalated = 0
        var completed = 0
        var edited = 0
        var ratedPositive = 0
        /// Units with a ticket resolved in the week before their first exposure (the CUPED covariate), and the sum
        /// of the probabilities that drew them.
        var resolvedBefore = 0
        var expectedResolvedBefore = 0.0

        enum CodingKeys: String, CodingKey {
            case units, enrolled, requests, resolved, escalated, completed, edited
            case multiExposed = "multi_exposed_units"
            case requestsCompleted = "requests_completed"
            case failedRequests = "failed_requests"
            case costUSD = "cost_usd"
            case latencySumMs = "latency_sum_ms"
            case expectedResolution = "expected_resolved_units"
            case expectedEscalation = "expected_escalated_units"
            case expectedCompletion = "expected_completed_units"
            case expectedEdits = "expected_edited_units"
            case expectedPositiveRating = "expected_positive_rating_units"
            case ratedPositive = "positive_rating_units"
            case resolvedBefore = "resolved_before_exposure"
            case expectedResolvedBefore = "expected_resolved_before_exposure_units"
        }
    }

    var variants: [String: Variant] = [:]
    var events = 0

    mutating func record(_ variant: String, _ change: (inout Variant) -> Void) {
        change(&variants[variant, default: Variant()])
    }
}
