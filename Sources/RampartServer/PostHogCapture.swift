import RampartCore

/// A capture body ready to be stored: scanned from its bytes when it has the usual shape
/// (``PostHogMapping/scanBody(_:now:)``), its events then encoded straight into the store's batch; otherwise parsed
/// and mapped to native lines (``PostHogMapping/lines(_:batchSentAt:now:)``), which gives the same events.
enum PostHogCapture: Sendable {
    case scanned(ScannedPostHogBody)
    case lines(PostHogLines)

    /// The key the body presents, if any.
    var presentedKey: String? {
        switch self {
        case .scanned(let body): return body.presentedKey
        case .lines(let lines): return lines.presentedKey
        }
    }

    /// The PostHog name event `index` was sent with, to name a rejected field as the client sent it.
    func postHogName(of index: Int) -> String? {
        switch self {
        case .scanned(let body): return body.postHogName(of: index)
        case .lines(let lines): return lines.names.indices.contains(index) ? lines.names[index] : nil
        }
    }
}
