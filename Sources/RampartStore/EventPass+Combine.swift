extension EventPass {
    /// How a per-unit aggregate over two disjoint parts of a unit's events gives the aggregate over all of them.
    ///
    /// A unit's events may lie in two places at once (`events` and the pending staged rows, and in the tiers of
    /// docs/events.md, "The next layout"); each part is grouped on its own and the unit's partial rows combined.
    /// Every per-unit column of a pass combines one of two ways: counts and `total`s add, and the value lists of
    /// `rampart_collect` and `rampart_collect_ts` concatenate (a quantile ranks a unit's values in any order; a
    /// timeline sorts each unit's pairs by time). Caps and indicators apply to the combined value, in
    /// ``Value/value(count:sum:)``.
    enum Combine {
        /// Counts and sums: `sum` of the parts.
        case add
        /// Value lists: `rampart_concat` of the parts' blobs.
        case concatenate

        /// The SQL aggregate that combines a column over a unit's partial rows.
        var sql: String {
            switch self {
            case .add: "sum"
            case .concatenate: "rampart_concat"
            }
        }
    }
}
