import Metrics

/// What a transaction on the SQLite store's writing connection did, as the `work` label of
/// `rampart_store_write_seconds`: the time the connection spent on it, from `BEGIN` to the end of the commit (the
/// fsync included). Waiting behind this process's other writes is not counted; waiting for another process's lock
/// (or, for a checkpoint, for readers) is.
///
/// One connection writes, one transaction at a time, so the rate of the sum over every `work` is the share of time
/// the writer is busy: at 1 it is saturated, and ingest requests queue for it (docs/operations.md, "The writer").
public enum WriteWork: String, Sendable, CaseIterable {
    /// Group commits of ingested events (`POST /v1/events`, the adapters, `rampart ingest`).
    case events
    /// A slice of the merge of staged events into `events` and the uuid ledger, or the start of one.
    case merge
    /// Merged rows leaving the staging log.
    case mergeRemoval = "merge_removal"
    /// A `RESTART` checkpoint on the writing connection, which bounds the write-ahead log.
    case checkpoint
    /// Everything else: configuration, rollouts, the console's sessions, webhooks.
    case other

    /// Records the time one transaction took.
    ///
    /// The timer is looked up per call, not kept: a metrics handle made before the process bootstraps its metrics
    /// system would stay a no-op, and a store may be opened before that.
    ///
    /// - Parameter duration: The time on the connection.
    func record(_ duration: Duration) {
        Timer(label: "rampart_store_write_seconds", dimensions: [("work", rawValue)], preferredDisplayUnit: .seconds)
            .recordNanoseconds(Int64(duration / .nanoseconds(1)))
    }
}
