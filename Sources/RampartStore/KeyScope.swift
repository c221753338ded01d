/// What an API key may do. The scopes are separate: an admin key cannot evaluate or ingest, and an SDK key cannot
/// change experiments, so neither can stand in for the other if it leaks.
public enum KeyScope: String, Sendable, Hashable, Codable, CaseIterable {
    /// Backends: evaluate flags and ingest events.
    case sdk
    /// People and tools: create and change experiments, ramp, read the audit log.
    case admin
    /// People who read: the console and every read route, never a change (experiments, ramps, keys).
    case viewer

    /// The scope's key in words, with its article: "an SDK key", "an admin key".
    public var phrase: String {
        switch self {
        case .sdk: return "an SDK key"
        case .admin: return "an admin key"
        case .viewer: return "a viewer key"
        }
    }

    /// The prefix every key of this scope starts with, so a leaked key is recognisable.
    public var prefix: String {
        switch self {
        case .sdk: return "rk_sdk_"
        case .admin: return "rk_admin_"
        case .viewer: return "rk_viewer_"
        }
    }
}
