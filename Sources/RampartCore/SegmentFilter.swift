/// One segment of an experiment's units: those whose first exposure in the phase recorded `value` for the segment
/// attribute `attribute` (docs/report-format.md, "Segments"). An analysis's scope may be restricted to one; a segment
/// guardrail's assessments and reasons name the one they cover (docs/rollouts.md, "Segment guardrails").
public struct SegmentFilter: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The segment attribute, one of the experiment's `segments`.
    public var attribute: String
    /// The recorded value (capped, ``SegmentAttributes``), or ``SegmentAttributes/overflow``.
    public var value: String

    public init(attribute: String, value: String) {
        self.attribute = attribute
        self.value = value
    }

    public var description: String { "\(attribute)=\(value)" }

    /// `[plan = enterprise]`, as segment guardrails' names and reasons show it.
    public var bracketed: String { "[\(attribute) = \(value)]" }
}
