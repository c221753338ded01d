import Foundation
import Logging
import RampartStore

/// Renders the console's overview exactly as `GET /` does for a signed-in admin, without HTTP: the server-side
/// work `rampart bench console` times (store reads, analyses, template).
public struct ConsoleOverviewProbe: Sendable {
    let controller: ConsoleController
    let identity: ConsoleIdentity

    /// - Parameters:
    ///   - store: The store the overview reads.
    ///   - sessions: Where the probe's session is kept.
    ///   - configuration: The console settings (the overview's cache age).
    ///   - requestBudget: The most experiments a render analyses itself (the rest show as pending).
    public init(store: any ValueDistributionStore & ControlStore, sessions: any SessionStore, configuration: ConsoleConfiguration = ConsoleConfiguration(), requestBudget: Int = 4) async throws {
        controller = ConsoleController(
            store: store, sessions: ConsoleSessions(store: sessions, configuration: configuration), health: nil,
            registry: ExperimentRegistry(), keys: KeyRing(), renderer: try await ConsoleRenderer.load(),
            throttle: SignInThrottle(store: sessions, limit: 5, window: 60), configuration: configuration, maxBodyBytes: 1 << 20,
            overviewCache: OverviewCache(maxAge: configuration.overviewMaxAge, requestBudget: requestBudget)
        )
        let key = APIKey.generate(scope: .admin, name: "bench").key
        let started = try await controller.sessions.start(for: key)
        identity = ConsoleIdentity(session: started.session, token: started.token)
    }

    /// One pass of the console's background refresher: re-analyses the experiments whose data or definition
    /// changed (or whose analysis is older than the maximum age).
    ///
    /// - Returns: How many experiments it analysed.
    @discardableResult
    public func refresh() async -> Int {
        await OverviewRefresher(cache: controller.overviewCache, store: controller.store, interval: .seconds(1), logger: Logger(label: "bench")).refresh()
    }

    /// How many of the cached analyses were computed at or after a moment, by passes finished or still under way.
    public func analysedCount(since moment: Date) -> Int {
        controller.overviewCache.computedCount(since: moment)
    }

    /// The overview page's HTML.
    ///
    /// - Parameters:
    ///   - status: The status filter, or all.
    ///   - verdict: The verdict filter, or all.
    ///   - sort: `name`, `change` or `verdict`.
    public func render(status: String? = nil, verdict: String? = nil, sort: String? = nil) async throws -> String {
        let values = try await controller.overviewValues(status: status, verdict: verdict, sort: sort)
        return controller.renderer.html("overview", title: "Experiments", identity: identity, values: values)
    }
}
