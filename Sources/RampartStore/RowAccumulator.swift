/// A Swift aggregate over the rows of one query, called from SQL as `rampart_accumulate(unit_id, ...)` once per row.
///
/// Subclasses read the arguments with `sqlite3_value_*`; the query returns nothing, the subclass keeps the result.
/// A read in two statements over one snapshot uses ``filter``: the first statement's units are recorded, and the
/// second statement's rows of those units are left out (``EventPass/statements(asOf:shard:staged:)``).
class RowAccumulator {
    /// Which rows the statement running now passes on to ``step(_:count:)``.
    enum Filter {
        /// Every row.
        case all
        /// Every row, recording its unit.
        case recording
        /// The rows of units not recorded.
        case skippingRecorded
    }

    /// Which rows reach ``step(_:count:)``; set before each statement.
    final var filter = Filter.all
    /// The units recorded while ``filter`` was `.recording`.
    private final var recorded: Set<Int64> = []

    /// Whether a row of `unit` goes on to ``step(_:count:)`` (argument 0 of every `rampart_accumulate` is the unit).
    final func admits(_ unit: Int64) -> Bool {
        switch filter {
        case .all: return true
        case .recording:
            recorded.insert(unit)
            return true
        case .skippingRecorded: return !recorded.contains(unit)
        }
    }

    /// Adds one row.
    ///
    /// - Parameter arguments: The function's arguments, `arguments[0..<count]`.
    func step(_ arguments: UnsafeMutablePointer<OpaquePointer?>, count: Int) {}
}
