/// What the ingest path keeps in memory: dictionary ids (units, event names, experiments, variants) already known,
/// and the uuids of the events waiting in `events_staged`.
///
/// Ids are never deleted from the database, so a cached id stays valid across processes. The cache is read and
/// written only inside the writer's serialized database accesses (GRDB runs them one at a time), which is why it
/// is `@unchecked Sendable`; after a rolled-back transaction it is cleared, since ids assigned by that
/// transaction no longer exist, and the staged uuids are reloaded from the table.
final class IngestCache: @unchecked Sendable {
    var units: [String: Int64] = [:]
    var names: [String: Int64] = [:]
    var experiments: [ExperimentScope: Int64] = [:]
    var variants: [VariantKey: Int64] = [:]
    let limit: Int
    /// The uuids in `events_staged`, valid while ``stagedVersion`` matches the connection's `data_version`.
    ///
    /// Its capacity is reserved up front and kept when it is emptied: growing a set rehashes every element on
    /// the writer, while requests wait (up to half a second at 1.5 M uuids on a slow machine; docs/performance.md,
    /// "Session 25").
    var staged: Set<UUIDKey>
    /// `PRAGMA data_version` when ``staged`` was last known to match the table; `nil` forces a reload.
    ///
    /// The writer connection's `data_version` changes only when another connection (another process) commits,
    /// so a match means no one else has staged or merged events since.
    var stagedVersion: Int64?

    struct VariantKey: Hashable {
        var experiment: Int64
        var variant: String
    }

    /// Creates an empty cache.
    ///
    /// - Parameters:
    ///   - limit: How many unit ids to keep.
    ///   - stagedCapacity: How many staged uuids ``staged`` holds before it grows.
    init(limit: Int, stagedCapacity: Int = 0) {
        self.limit = limit
        staged = Set(minimumCapacity: stagedCapacity)
    }

    func clear() {
        units.removeAll()
        names.removeAll()
        experiments.removeAll()
        variants.removeAll()
        staged.removeAll(keepingCapacity: true)
        stagedVersion = nil
    }
}
