import Hummingbird
import Logging
import NIOCore
import RampartAnalysis
import RampartCore
import RampartOTLP
import RampartStore
import ServiceLifecycle

/// What the service runs on: the store and the in-memory state shared between routes.
public struct ServerDependencies: Sendable {
    /// Events, rollouts, audit log and keys.
    public var store: any ValueDistributionStore & ControlStore
    /// The experiments evaluation answers from.
    public var registry: ExperimentRegistry
    /// The accepted API keys.
    public var keys: KeyRing
    /// Where exposures go; the store by default.
    public var exposureSink: any ExposureSink
    /// Console sessions; the store's when it implements ``SessionStore`` (without one the console is off).
    public var sessions: (any SessionStore)?
    /// What the console's ingest health page reads; the store's when it implements ``IngestHealthStore``.
    public var ingestHealth: (any IngestHealthStore)?

    public init(
        store: any ValueDistributionStore & ControlStore,
        registry: ExperimentRegistry = ExperimentRegistry(),
        keys: KeyRing = KeyRing(),
        exposureSink: (any ExposureSink)? = nil,
        sessions: (any SessionStore)? = nil,
        ingestHealth: (any IngestHealthStore)? = nil
    ) {
        self.store = store
        self.registry = registry
        self.keys = keys
        self.exposureSink = exposureSink ?? StoreExposureSink(store: store)
        self.sessions = sessions ?? (store as? any SessionStore)
        self.ingestHealth = ingestHealth ?? (store as? any IngestHealthStore)
    }
}

/// Builds the Rampart HTTP application — routes, middleware and background services (exposure batching and
/// configuration reloads) — without running it, so tests drive it in-process and `rampart serve` runs it.
///
/// The registry and keys are loaded from the store before the first request; call it after seeding the store.
///
/// - Parameters:
///   - configuration: Address, limits and batching.
///   - dependencies: The store and the in-memory state.
///   - logger: The service logger.
public func buildApplication(
    configuration: ServerConfiguration,
    dependencies: ServerDependencies,
    logger: Logger = Logger(label: "rampart")
) async throws -> some ApplicationProtocol {
    _ = PrometheusSetup.registry
    let bootstrap = configuration.bootstrapKeys.map { APIKey.fromPlaintext($0.plaintext, scope: $0.scope, name: "bootstrap \($0.scope.rawValue) key") }
    let refresher = ConfigurationRefresher(
        store: dependencies.store, registry: dependencies.registry, keys: dependencies.keys,
        bootstrapKeys: bootstrap, interval: configuration.reloadInterval, logger: logger
    )
    guard await refresher.refresh() else {
        throw RampartError(.storage, "cannot load experiments and keys from the store")
    }
    let exposures = ExposureLogger(sink: dependencies.exposureSink, configuration: configuration.exposures, logger: logger)

    let router = Router(context: RampartRequestContext.self)
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: ErrorResponseMiddleware())
    router.add(middleware: BodyDeadlineMiddleware(timeout: configuration.bodyReadTimeout))
    var routes = RouteMethods(openAPI: OpenAPIDocument.text)
    for path in PostHogController.paths { routes.add("/" + path, .post) }
    router.add(middleware: MethodNotAllowedMiddleware(routes: routes))
    let store = dependencies.store
    OperationsController(
        registry: dependencies.registry,
        readiness: {
            do {
                _ = try await store.rollouts()
                return (true, "ok")
            } catch {
                return (false, "the database is unavailable: \(error)")
            }
        },
        caches: { store.cacheMemory() }
    ).addRoutes(to: router)

    let sdk = APIKeyMiddleware(keys: dependencies.keys, accepted: [.sdk])
    let admin = APIKeyMiddleware(keys: dependencies.keys, accepted: [.admin])
    let anyKey = APIKeyMiddleware(keys: dependencies.keys, accepted: [.sdk, .admin, .viewer])
    let people = APIKeyMiddleware(keys: dependencies.keys, accepted: [.admin, .viewer])

    let ofrep = OFREPController(registry: dependencies.registry, exposures: exposures, maxBodyBytes: configuration.maxRequestBodyBytes)
    ofrep.addRoutes(to: router.group("ofrep/v1").add(middleware: sdk))
    let ingestGate = AdmissionGate(limit: configuration.maxConcurrentIngests)
    EventsController(
        store: dependencies.store, parser: EventParser(configuration: configuration.events),
        maxBodyBytes: configuration.maxEventsBodyBytes, gate: ingestGate,
        rejectionLog: dependencies.ingestHealth
    ).addRoutes(to: router.group("v1").add(middleware: sdk))
    // PostHog's capture API and GrowthBook's SDK payload (docs/integrations.md): their keys travel in the body
    // and the path, so they check them themselves, with the same limits and gate as /v1/events.
    PostHogController(
        store: dependencies.store, parser: EventParser(configuration: configuration.events), registry: dependencies.registry,
        keys: dependencies.keys, maxBodyBytes: configuration.maxEventsBodyBytes, gate: ingestGate
    ).addRoutes(to: router)
    GrowthBookController(registry: dependencies.registry, keys: dependencies.keys).addRoutes(to: router)
    // OTLP/HTTP traces: the parser, body limit, admission gate and SDK-key check of /v1/events; OTLP error bodies.
    let registry = dependencies.registry
    OTLPTracesController(
        ingest: OTLPTraceIngest(
            store: dependencies.store, parser: EventParser(configuration: configuration.events),
            mapping: OTLPTraceMapping(configuration: configuration.otlp) { registry.experiment($0)?.phase }
        ),
        maxBodyBytes: configuration.maxEventsBodyBytes, gate: ingestGate
    ).addRoutes(to: router.group("v1").add(middleware: OTLPStatusMiddleware()).add(middleware: sdk))
    let experiments = ExperimentsController(store: dependencies.store, registry: dependencies.registry, maxBodyBytes: configuration.maxRequestBodyBytes)
    experiments.addReadRoutes(to: router.group("v1").add(middleware: anyKey))
    experiments.addAdminRoutes(to: router.group("v1").add(middleware: admin))
    experiments.addAuditRoutes(to: router.group("v1").add(middleware: people))
    // Progressive-delivery hooks (docs/integrations.md): Argo Rollouts' web metric and Flagger's webhooks.
    let delivery = ProgressiveDeliveryController(store: dependencies.store, keys: dependencies.keys, maxBodyBytes: configuration.maxRequestBodyBytes)
    delivery.addVerdictRoute(to: router.group("v1").add(middleware: people))
    delivery.addFlaggerRoutes(to: router.group("v1"))
    if let webhooks = dependencies.store as? any WebhookStore {
        let controller = WebhooksController(admin: WebhookAdmin(store: webhooks), maxBodyBytes: configuration.maxRequestBodyBytes)
        controller.addReadRoutes(to: router.group("v1").add(middleware: people))
        controller.addAdminRoutes(to: router.group("v1").add(middleware: admin))
    }
    var consoleServices: [any Service] = []
    if let sessions = dependencies.sessions {
        let overview = OverviewCache(maxAge: configuration.console.overviewMaxAge, minInterval: configuration.console.overviewMinInterval)
        consoleServices.append(OverviewRefresher(
            cache: overview, store: dependencies.store, interval: configuration.console.overviewRefreshInterval, logger: logger,
            watcher: (dependencies.store as? any WebhookStore).map { VerdictWatcher(store: $0, logger: logger) },
            busyShare: configuration.console.overviewRefresherShare
        ))
        try await ConsoleController(
            store: dependencies.store, sessions: ConsoleSessions(store: sessions, configuration: configuration.console),
            health: dependencies.ingestHealth, registry: dependencies.registry, keys: dependencies.keys,
            renderer: try await ConsoleRenderer.load(),
            throttle: SignInThrottle(store: sessions, limit: configuration.console.signInFailureLimit, window: configuration.console.signInWindow),
            configuration: configuration.console, maxBodyBytes: configuration.maxRequestBodyBytes, overviewCache: overview
        ).addRoutes(to: router)
    }

    var app = Application(
        responder: EvaluationFastPath(router: router.buildResponder(), metrics: MetricsMiddleware(), sdkKey: sdk, evaluate: ofrep.evaluate(_:key:)),
        server: .http1(configuration: .init(idleTimeout: configuration.idleTimeout.map { TimeAmount($0) })),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "rampart"),
        logger: logger
    )
    app.addServices(exposures, refresher)
    if let interval = configuration.heapTrimInterval {
        app.addServices(HeapTrimService(interval: interval, logger: logger))
    }
    app.addServices(consoleServices)
    if let webhooks = dependencies.store as? any WebhookStore {
        app.addServices(WebhookDeliveryService(store: webhooks, configuration: configuration.webhooks, logger: logger))
    }
    if let interval = configuration.autopilotInterval {
        app.addServices(AutopilotService(
            autopilot: Autopilot(store: dependencies.store), registry: dependencies.registry, interval: interval, logger: logger,
            watcher: (dependencies.store as? any WebhookStore).map { VerdictWatcher(store: $0, logger: logger) }
        ))
    }
    return app
}
