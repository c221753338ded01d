extension KnownProperties {
    /// Known numeric properties that cannot be negative.
    public static let nonNegative: Set<String> = [
        "latency_ms", "input_tokens", "output_tokens", "estimated_cost_usd", "retry_count", "phase",
    ]

    /// Checks a known property's value against its type.
    ///
    /// - Parameters:
    ///   - name: The property name.
    ///   - value: Its value (not `null`; nulls are treated as absent before this check).
    ///   - type: Its declared type.
    /// - Returns: Why the value is wrong, or `nil` when it is fine.
    public static func check(_ name: String, _ value: JSONValue, type: PropertyType) -> String? {
        switch (type, value) {
        case (.string, .string):
            return nil
        case (.number, .number(let n)):
            return nonNegative.contains(name) && n < 0 ? "must not be negative, found \(n)" : nil
        case (.integer, .number(let n)):
            guard n == n.rounded() else { return "expected a whole number, found \(n)" }
            guard abs(n) < 9e15 else { return "expected a whole number below 9e15 in magnitude (larger ones lose precision), found \(n)" }
            return nonNegative.contains(name) && n < 0 ? "must not be negative, found \(Int64(n))" : nil
        case (.boolean, .bool):
            return nil
        case (.oneOf(let allowed), .string(let s)):
            return allowed.contains(s) ? nil : "expected one of \(allowed.joined(separator: ", ")), found '\(s.prefix(64))'"
        default:
            return "expected \(type.description), found \(value.typeName)"
        }
    }
}
