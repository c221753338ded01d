/// The segment a segment guardrail's assessment covers: the units whose first exposure recorded `value` for the
/// segment attribute `attribute` (docs/rollouts.md, "Segment guardrails").
public struct GuardedSegment: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The segment attribute, e.g. `plan`.
    public var attribute: String
    /// The attribute's value, e.g. `enterprise`.
    public var value: String

    public init(attribute: String, value: String) {
        self.attribute = attribute
        self.value = value
    }

    /// `[plan = enterprise]`, as assessment names and reasons show it.
    public var description: String { "[\(attribute) = \(value)]" }
}
