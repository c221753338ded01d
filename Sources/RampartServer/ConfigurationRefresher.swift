import Logging
import RampartStore
import ServiceLifecycle

/// Reloads rollouts and API keys from the store every `interval`, and at once when the store announces a change
/// (``ChangeFeed``, PostgreSQL's `LISTEN`/`NOTIFY`), so replicas sharing one store converge on changes made through
/// any of them. A failed reload keeps the configuration in memory: evaluation keeps answering while the database
/// is unavailable.
///
/// Reloads run one at a time, in the order they were asked for, so an older read never replaces a newer one;
/// requests that arrive while one runs are coalesced into the next.
struct ConfigurationRefresher: Service {
    let store: any ControlStore
    let registry: ExperimentRegistry
    let keys: KeyRing
    let bootstrapKeys: [APIKey]
    let interval: Duration
    let logger: Logger

    /// How long to wait before listening again after the change feed failed.
    static let relistenDelay: Duration = .seconds(1)

    func run() async throws {
        let (requests, request) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    request.yield()
                }
            }
            if let feed = store as? any ChangeFeed {
                group.addTask { await listen(feed) { request.yield() } }
            }
            for await _ in requests.cancelOnGracefulShutdown() { await refresh() }
            group.cancelAll()
        }
    }

    /// Listens to the store's change feed until cancelled, listening again after a failure.
    func listen(_ feed: any ChangeFeed, onChange: @escaping @Sendable () -> Void) async {
        while !Task.isCancelled {
            do {
                try await feed.listenForChanges(onChange)
            } catch {
                logger.warning("listening for configuration changes failed; reloading on the timer meanwhile", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: Self.relistenDelay)
        }
    }

    /// Loads the stored configuration once; returns whether it succeeded.
    @discardableResult
    func refresh() async -> Bool {
        do {
            try await registry.reload(from: store)
            keys.replace(try await store.apiKeys() + bootstrapKeys)
            return true
        } catch {
            logger.warning("configuration reload failed; serving the last loaded configuration", metadata: ["error": "\(error)"])
            return false
        }
    }
}
