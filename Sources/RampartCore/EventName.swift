/// The event names Rampart knows. Any other name is a custom product event, e.g. `support_ticket_resolved`.
public enum EventName {
    /// A variant was served to a unit; properties `experiment`, `variant` and, when not 0, `phase`.
    public static let exposure = "exposure"
    /// An LLM request began.
    public static let llmRequestStarted = "llm_request_started"
    /// An LLM request returned; carries latency, tokens and cost.
    public static let llmRequestCompleted = "llm_request_completed"
    /// An LLM request failed; carries `status` and `error_type`.
    public static let llmRequestFailed = "llm_request_failed"
    /// A user rated an output; carries `user_feedback`.
    public static let llmOutputRated = "llm_output_rated"
    /// A task the LLM worked on ended; carries `task_type`, `task_completed`, `escalated_to_human`, …
    public static let llmTaskCompleted = "llm_task_completed"

    /// The names above.
    public static let known: Set<String> = [
        exposure, llmRequestStarted, llmRequestCompleted, llmRequestFailed, llmOutputRated, llmTaskCompleted,
    ]
}
