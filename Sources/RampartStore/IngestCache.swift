/// What the ingest path keeps in memory: dictionary ids (units, event names, experiments, variants) already known,
/// and when the count of staged events was last known to be right.
///
/// Ids are never deleted from the database, so a cached id stays valid across processes. The cache is read and
/// written only inside the writer's serialized database accesses (GRDB runs them one at a time), which is why it
/// is `@unchecked Sendable`; after a rolled-back transaction it is cleared, since ids assigned by that
/// transaction no longer exist, and the staged events are counted again.
final class IngestCache: @unchecked Sendable {
    var units: [String: Int64] = [:]
    var names: [String: Int64] = [:]
    var experiments: [ExperimentScope: Int64] = [:]
    var variants: [VariantKey: Int64] = [:]
    let limit: Int
    /// `PRAGMA data_version` when the store's staged-event count was last known to match `events_staged`; `nil`
    /// forces a recount.
    ///
    /// The writer connection's `data_version` changes only when another connection (another process) commits,
    /// so a match means no one else has staged or merged events since.
    var stagedVersion: Int64?

    struct VariantKey: Hashable {
        var experiment: Int64
        var variant: String
    }

    init(limit: Int) {
        self.limit = limit
    }

    func clear() {
        units.removeAll()
        names.removeAll()
        experiments.removeAll()
        variants.removeAll()
        stagedVersion = nil
    }
}
