/// A behaviour the simulator can change in treatment, by a relative amount (+0.04 is +4 %).
///
/// Each maps to the metrics that read it (docs/events.md, "Simulator").
public enum SimulationEffect: String, CaseIterable, Sendable, Codable, CodingKeyRepresentable {
    /// The chance a unit's ticket is resolved (`support_ticket_resolved`; resolution_rate).
    case resolution
    /// The chance a task is escalated to a human (`llm_task_completed` escalated_to_human; escalation_rate).
    case escalation
    /// The chance a task completes (`task_completed`; task_completion_rate, completed_tasks).
    case completion
    /// The chance an agent edits the output (`edited_output`; edited_output_rate).
    case edits
    /// The chance a rating is positive (`user_feedback`; positive_feedback_rate).
    case feedback
    /// Request latency, multiplicatively on the whole distribution (p95_latency).
    case latency
    /// Output tokens per request, and through them cost (output_tokens, llm_cost).
    case tokens
    /// Cost per request beyond what the price table gives, e.g. a pricier model (llm_cost).
    case cost
    /// The chance a request fails (llm_request_failed; error_rate).
    case errors
    /// The number of requests per unit (llm_request_started; requests).
    case requests
}
