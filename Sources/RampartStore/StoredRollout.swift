/// One row of the `rollouts` table as stored, for copying between stores (``StoreTransfer``).
///
/// Unlike `RolloutState` it keeps what only the store uses: the file's definition as last imported and as last
/// examined (so later imports of the experiment files decide as they would have in the source) and the time of the
/// last change.
public struct StoredRollout: Sendable, Hashable {
    public var key: String
    /// The definition, JSON as the stores encode it.
    public var definition: String
    public var stageIndex: Int?
    /// Seconds since 1970.
    public var stageStartedAt: Double?
    public var revision: Int
    /// Seconds since 1970.
    public var updatedAt: Double
    public var fileBase: String?
    public var fileSeen: String?

    public init(key: String, definition: String, stageIndex: Int?, stageStartedAt: Double?, revision: Int, updatedAt: Double, fileBase: String?, fileSeen: String?) {
        self.key = key
        self.definition = definition
        self.stageIndex = stageIndex
        self.stageStartedAt = stageStartedAt
        self.revision = revision
        self.updatedAt = updatedAt
        self.fileBase = fileBase
        self.fileSeen = fileSeen
    }
}
