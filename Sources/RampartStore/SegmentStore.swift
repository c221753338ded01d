import Foundation
import RampartCore

/// The values of one segment attribute among an experiment's units, and which units hold each.
///
/// A unit's value is the one on its first exposure in the phase (earliest timestamp, then lowest uuid), so it is
/// sticky and does not depend on the order events arrive in. Values are cut to ``SegmentAttributes/maxValueBytes``;
/// beyond the ``SegmentAttributes/maxDistinctValues`` values with the most units (ties by value), units fall in
/// ``SegmentAttributes/overflow``. Units whose first exposure lacks the attribute are in no segment.
public struct SegmentMembership: Sendable, Hashable {
    /// The segment values with their units (first exposure at or before the scope's moment), most units first.
    public var values: [(value: String, units: Int)] {
        order.map { ($0, counts[$0] ?? 0) }
    }
    /// Units per shown value.
    var counts: [String: Int] = [:]
    /// Each recorded value (capped) beyond the most common ones, shown as ``SegmentAttributes/overflow``.
    var overflowing: Set<String> = []
    /// Units whose first exposure recorded no value for the attribute.
    public var missing: Int
    /// The values in order.
    public var order: [String]
    /// The units (store ids) of each value.
    var members: [String: Set<Int64>]

    /// Groups each unit's first-exposure value.
    ///
    /// - Parameter firsts: Per unit, its store id and the raw value recorded on its first exposure (`nil` without one).
    init(firsts: [(unit: Int64, value: String?)]) {
        var byValue: [String: Set<Int64>] = [:]
        var missing = 0
        for (unit, raw) in firsts {
            guard let raw else { missing += 1; continue }
            byValue[SegmentAttributes.capped(raw), default: []].insert(unit)
        }
        self.init(counts: byValue.map { ($0.key, $0.value.count) } + (missing > 0 ? [(nil, missing)] : []))
        for (value, units) in byValue { members[shown(value), default: []].formUnion(units) }
    }

    /// Ranks the values by units, without the units themselves.
    ///
    /// - Parameter raw: Per recorded value (`nil`: none recorded), its units; a value may appear several times
    ///   (values that differ only beyond the cap).
    init(counts raw: [(value: String?, units: Int)]) {
        var byValue: [String: Int] = [:]
        var missing = 0
        for (value, units) in raw {
            guard let value else { missing += units; continue }
            byValue[SegmentAttributes.capped(value), default: 0] += units
        }
        let ranked = byValue.keys.sorted { (byValue[$0]!, $1) > (byValue[$1]!, $0) }
        var counts: [String: Int] = [:]
        var order: [String] = []
        for (rank, value) in ranked.enumerated() {
            if rank < SegmentAttributes.maxDistinctValues {
                counts[value] = byValue[value]!
                order.append(value)
            } else {
                if counts[SegmentAttributes.overflow] == nil { order.append(SegmentAttributes.overflow) }
                counts[SegmentAttributes.overflow, default: 0] += byValue[value]!
                overflowing.insert(value)
            }
        }
        self.members = [:]
        self.counts = counts
        self.order = order
        self.missing = missing
    }

    /// The value a recorded value is shown as: itself cut to the cap, or ``SegmentAttributes/overflow``.
    func shown(_ raw: String) -> String {
        let value = SegmentAttributes.capped(raw)
        return overflowing.contains(value) ? SegmentAttributes.overflow : value
    }

    /// The units of one value; empty for a value no unit has.
    func units(_ value: String) -> Set<Int64> { members[value] ?? [] }

    /// A stored JSON value read as a segment value: text as it is, a number as its JSON text (a boolean reads
    /// as 1 or 0 on both stores).
    static func text(number: Double) -> String { JSONValue.number(number).jsonText }

    public static func == (a: SegmentMembership, b: SegmentMembership) -> Bool {
        a.order == b.order && a.counts == b.counts && a.members == b.members && a.missing == b.missing
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(order)
        hasher.combine(missing)
    }
}

/// Stores that can read an experiment's units by segment (docs/report-format.md, "Segments").
///
/// ``EventStore/analysis(_:in:)`` restricts the population to ``ExperimentScope/segment`` when it is set: the
/// attribution and every metric then cover the segment's units only.
public protocol SegmentStore: Sendable {
    /// The values of `attribute` among the scope's units (the scope's own segment is ignored).
    ///
    /// - Parameters:
    ///   - attribute: The segment attribute.
    ///   - experiment: The experiment, phase and moment.
    func segments(_ attribute: String, in experiment: ExperimentScope) async throws -> SegmentMembership
}
