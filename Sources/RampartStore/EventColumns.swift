import RampartCore

/// The typed columns of the `events` table: one per known property (docs/events.md, "Storage").
///
/// The list is fixed by the migrations; a property added to `KnownProperties` later needs a migration that adds its
/// column (until then it is stored in `props` with the unknown properties). Booleans are stored as 0/1 integers.
enum EventColumns {
    /// SQLite storage class of a column.
    enum Storage: String {
        case text = "TEXT", real = "REAL", integer = "INTEGER"
    }

    /// The typed columns of migration v1, in table order; names are the property names.
    static let v1: [(name: String, storage: Storage)] = [
        ("trace_id", .text), ("session_id", .text), ("request_id", .text),
        ("prompt_name", .text), ("prompt_version_id", .text), ("model", .text), ("provider", .text),
        ("environment", .text),
        ("latency_ms", .real), ("input_tokens", .integer), ("output_tokens", .integer), ("estimated_cost_usd", .real),
        ("status", .text), ("error_type", .text),
        ("task_type", .text), ("task_completed", .integer), ("user_feedback", .text), ("escalated_to_human", .integer),
        ("retry_count", .integer), ("accepted_output", .integer), ("edited_output", .integer),
        ("eval_name", .text), ("eval_score", .real), ("eval_passed", .integer),
        ("experiment", .text), ("variant", .text), ("phase", .integer),
    ]

    /// The columns the store binds: each typed column with its property type.
    static let typed: [(name: String, type: PropertyType)] = v1.compactMap { column in
        KnownProperties.types[column.name].map { (column.name, $0) }
    }

    /// The position in ``typed`` of each property of `KnownProperties.ordered`, `nil` for one without a column.
    static let columnOfKnown: [Int?] = KnownProperties.ordered.map { index[$0.name] }

    /// Position of each typed column in ``typed``.
    static let index: [String: Int] = Dictionary(uniqueKeysWithValues: typed.enumerated().map { ($1.name, $0) })

    /// The storage class of each column of ``v1``, by name.
    static let storage: [String: Storage] = Dictionary(uniqueKeysWithValues: v1.map { ($0.name, $0.storage) })

    /// The fixed columns before the typed ones: name_id, unit_id, ts, uuid.
    static let fixedCount = 4
}
