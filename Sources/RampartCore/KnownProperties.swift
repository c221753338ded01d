/// The event properties Rampart knows the type of (see docs/events.md). Any other property is kept as JSON.
public enum KnownProperties {
    /// The job-status values of `status`.
    public static let statuses = ["success", "error", "timeout", "blocked", "validation_failed"]
    /// The values of `user_feedback`.
    public static let feedback = ["positive", "negative", "neutral"]

    /// Each known property and its type.
    public static let types: [String: PropertyType] = [
        // Join keys.
        "trace_id": .string, "session_id": .string, "request_id": .string,
        // The prompt and model.
        "prompt_name": .string, "prompt_version_id": .string, "model": .string, "provider": .string,
        "environment": .string,
        // The request.
        "latency_ms": .number, "input_tokens": .integer, "output_tokens": .integer, "estimated_cost_usd": .number,
        "status": .oneOf(statuses), "error_type": .string,
        // The outcome.
        "task_type": .string, "task_completed": .boolean, "user_feedback": .oneOf(feedback),
        "escalated_to_human": .boolean, "retry_count": .integer, "accepted_output": .boolean,
        "edited_output": .boolean,
        // Evaluations.
        "eval_name": .string, "eval_score": .number, "eval_passed": .boolean,
        // Exposures.
        "experiment": .string, "variant": .string, "phase": .integer,
    ]

    /// The known properties in name order, with their types: the numbering ``ScannedEvent`` reports them by.
    public static let ordered: [(name: String, type: PropertyType)] = types.keys.sorted().map { ($0, types[$0]!) }

    /// The index of `experiment` in ``ordered``.
    public static let experimentIndex = ordered.firstIndex { $0.name == "experiment" }!
    /// The index of `variant` in ``ordered``.
    public static let variantIndex = ordered.firstIndex { $0.name == "variant" }!
    /// The index of `phase` in ``ordered``.
    public static let phaseIndex = ordered.firstIndex { $0.name == "phase" }!
}
