import RampartStore
import Hummingbird
import Logging
import RampartCore

/// What the service runs on: its configuration and the stateful parts it shares between routes.
public struct ServerDependencies: Sendable {
    public var registry: ExperimentRegistry
    public var keys: KeyRing
    public var exposureSink: any ExposureSink
    /// Whether the backing store answers, for `/readyz`.
    public var readiness: @Sendable () async -> (ready: Bool, detail: String)

    public init(
        registry: ExperimentRegistry,
        keys: KeyRing,
        exposureSink: any ExposureSink,
        readiness: @escaping @Sendable () async -> (ready: Bool, detail: String) = { (true, "ok") }
    ) {
        self.registry = registry
        self.keys = keys
        self.exposureSink = exposureSink
        self.readiness = readiness
    }
}

/// Builds the Rampart HTTP application: routes, middleware and services (the exposure logger), without running it,
/// so tests can drive it in-process and `rampart serve` can run it in a ServiceGroup.
///
/// - Parameters:
///   - configuration: Address, limits and batching.
///   - dependencies: The registry, keys and sinks.
///   - logger: The service logger.
public func buildApplication(
    configuration: ServerConfiguration,
    dependencies: ServerDependencies,
    logger: Logger = Logger(label: "rampart")
) -> some ApplicationProtocol {
    _ = PrometheusSetup.registry
    for (scope, plaintext) in configuration.bootstrapKeys {
        dependencies.keys.add(APIKey.fromPlaintext(plaintext, scope: scope, name: "bootstrap \(scope.rawValue) key"))
    }
    let exposures = ExposureLogger(sink: dependencies.exposureSink, configuration: configuration.exposures, logger: logger)
    let router = Router(context: RampartRequestContext.self)
    router.add(middleware: MetricsMiddleware())
    OperationsController(registry: dependencies.registry, readiness: dependencies.readiness).addRoutes(to: router)
    OFREPController(registry: dependencies.registry, exposures: exposures, maxBodyBytes: configuration.maxRequestBodyBytes)
        .addRoutes(to: router.group("ofrep/v1").add(middleware: APIKeyMiddleware(keys: dependencies.keys, accepted: [.sdk])))

    var app = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "rampart"),
        logger: logger
    )
    app.addServices(exposures)
    return app
}
