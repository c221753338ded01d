/// Dictionary ids (units, event names, experiments, variants) the ingest path already knows.
///
/// Ids are never deleted from the database, so a cached id stays valid across processes. The cache is read and
/// written only inside the writer's serialized database accesses (GRDB runs them one at a time), which is why it
/// is `@unchecked Sendable`; after a rolled-back transaction it is cleared, since ids assigned by that
/// transaction no longer exist.
final class IngestCache: @unchecked Sendable {
    var units: [String: Int64] = [:]
    var names: [String: Int64] = [:]
    var experiments: [ExperimentScope: Int64] = [:]
    var variants: [VariantKey: Int64] = [:]
    let limit: Int

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
    }
}
