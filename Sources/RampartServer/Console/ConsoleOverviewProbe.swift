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
            overviewCache: OverviewCache(maxAge: configuration.overviewMaxAge, minInterval: configuration.overviewMinInterval, requestBudget: requestBudget)
        )
        let key = APIKey.generate(scope: .admin, name: "bench").key
        let started = try await controller.sessions.start(for: key)
        identity = ConsoleIdentity(session: started.session, token: started.token)
    }

    /// One pass of the console's background refresher, with the service's settings: re-analyses the experiments
    /// whose definition changed, whose data changed at least the minimum interval after their analysis, or whose
    /// analysis is older than the maximum age, pausing after each analysis as the service's refresher does.
    ///
    /// - Parameter paced: Pause after each analysis (the service's busy share); `false` analyses back to back.
    /// - Returns: How many experiments it analysed.
    @discardableResult
    public func refresh(paced: Bool = true) async -> Int {
        await OverviewRefresher(
            cache: controller.overviewCache, store: controller.store, interval: .seconds(1), logger: Logger(label: "bench"),
            busyShare: paced ? controller.configuration.overviewRefresherShare : 1
        ).refresh()
    }

    /// Runs the service's background refresher (a pass every ``ConsoleConfiguration/overviewRefreshInterval``, or
    /// within 250 ms when a page asks, each paced as configured) until the task is cancelled.
    public func runRefresher() async {
        try? await OverviewRefresher(
            cache: controller.overviewCache, store: controller.store, interval: controller.configuration.overviewRefreshInterval,
            logger: Logger(label: "bench"), busyShare: controller.configuration.overviewRefresherShare
        ).run()
    }

    /// What the refresher did so far: its analyses, the time spent in them and in pauses, and the longest, in
    /// seconds.
    public func refresherActivity() -> (analyses: Int, busySeconds: Double, pausedSeconds: Double, longestSeconds: Double) {
        let a = controller.overviewCache.refresherActivity
        return (a.analyses, a.busySeconds, a.pausedSeconds, a.longestSeconds)
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
