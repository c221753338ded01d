import Logging
import RampartStore
import ServiceLifecycle

/// Reloads rollouts and API keys from the store every `interval`, so replicas sharing one store converge on
/// changes made through any of them. A failed reload keeps the configuration in memory: evaluation keeps answering
/// while the database is unavailable.
struct ConfigurationRefresher: Service {
    let store: any ControlStore
    let registry: ExperimentRegistry
    let keys: KeyRing
    let bootstrapKeys: [APIKey]
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await runPeriodically(every: interval) { await refresh() }
    }

    /// Loads the stored configuration once; returns whether it succeeded.
    @discardableResult
    func refresh() async -> Bool {
        do {
            let rollouts = try await store.rollouts()
            let stored = try await store.apiKeys()
            registry.replace(rollouts.map(\.experiment))
            keys.replace(stored + bootstrapKeys)
            return true
        } catch {
            logger.warning("configuration reload failed; serving the last loaded configuration", metadata: ["error": "\(error)"])
            return false
        }
    }
}
