/// What the simulator generated, per variant: the expected rates (means of the per-unit probabilities it drew
/// from) and the realized counts, recorded beside fixtures as part of their ground truth.
public struct SimulationTruth: Sendable, Codable {
    /// What was generated in one variant.
    public struct Variant: Sendable, Codable {
        public var units = 0
        public var enrolled = 0
        public var multiExposed = 0
        public var requests = 0
        public var requestsCompleted = 0
        public var failedRequests = 0
        public var costUSD = 0.0
        public var latencySumMs = 0.0
        public var expectedResolution = 0.0
        public var expectedEscalation = 0.0
        public var expectedCompletion = 0.0
        public var expectedEdits = 0.0
        public var expectedPositiveRating = 0.0
        public var resolved = 0
        public var escalated = 0
        public var completed = 0
        public var edited = 0
        public var ratedPositive = 0
        /// Units with a ticket resolved in the week before their first exposure (the CUPED covariate), and the sum
        /// of the probabilities that drew them.
        public var resolvedBefore = 0
        public var expectedResolvedBefore = 0.0

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

    /// Nothing generated yet.
    public init() {}

    /// What was generated, by variant key.
    public var variants: [String: Variant] = [:]
    /// Events generated in all.
    public var events = 0

    mutating func record(_ variant: String, _ change: (inout Variant) -> Void) {
        change(&variants[variant, default: Variant()])
    }
}
