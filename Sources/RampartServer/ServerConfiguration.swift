import RampartStore
import Foundation
import RampartCore
import RampartOTLP

/// How `rampart serve` runs. Every field has a default that works for the quickstart.
public struct ServerConfiguration: Sendable {
    /// The address to bind.
    public var host: String
    public var port: Int
    /// The largest request body accepted on the events route, in bytes; larger bodies get 413.
    public var maxEventsBodyBytes: Int
    /// The largest evaluation or admin request body, in bytes.
    public var maxRequestBodyBytes: Int
    /// How exposures are batched.
    public var exposures: ExposureLogger.Configuration
    /// The most event-ingest requests handled at once; more get 429 with Retry-After. A request takes its place
    /// once its body has arrived, so a slow client never holds one.
    public var maxConcurrentIngests: Int
    /// How long a request's body may take to arrive in full after its headers; later: 408 `body_timeout` and the
    /// connection is closed.
    public var bodyReadTimeout: Duration = .seconds(30)
    /// How long a connection may stay without reading anything (between requests, or inside a body) before it is
    /// closed; `nil`: never.
    public var idleTimeout: Duration? = .seconds(75)
    /// How events are validated and which raw-content properties are dropped.
    public var events: EventParser.Configuration
    /// How often rollouts and keys are reloaded from the store.
    public var reloadInterval: Duration
    /// How often the autopilot applies ADVANCE and ROLLBACK verdicts itself; `nil` (the default) turns it off.
    public var autopilotInterval: Duration?
    /// Which span attributes carry the unit and the prompt on `POST /v1/traces` (OTLP).
    public var otlp = OTLPTraceMapping.Configuration()
    /// Keys accepted in addition to stored ones, given in plaintext (e.g. from the environment) for the quickstart.
    public var bootstrapKeys: [(scope: KeyScope, plaintext: String)]
    /// The console's sessions and sign-in limits.
    public var console: ConsoleConfiguration
    /// Notification delivery: the console link, retries, polling.
    public var webhooks = WebhookConfiguration()
    /// How often the allocator's free memory is given back to the operating system (``Allocator``); `nil` (the
    /// default) never. `rampart serve` sets it (`--heap-trim-every`, 30 s): trimming is for the server's own
    /// process, not for every process that builds an application.
    public var heapTrimInterval: Duration? = nil

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        maxEventsBodyBytes: Int = 8 * 1024 * 1024,
        maxRequestBodyBytes: Int = 1024 * 1024,
        exposures: ExposureLogger.Configuration = .init(),
        maxConcurrentIngests: Int = 32,
        events: EventParser.Configuration = .init(),
        reloadInterval: Duration = .seconds(5),
        autopilotInterval: Duration? = nil,
        bootstrapKeys: [(scope: KeyScope, plaintext: String)] = [],
        console: ConsoleConfiguration = ConsoleConfiguration()
    ) {
        self.host = host
        self.port = port
        self.maxEventsBodyBytes = maxEventsBodyBytes
        self.maxRequestBodyBytes = maxRequestBodyBytes
        self.exposures = exposures
        self.maxConcurrentIngests = maxConcurrentIngests
        self.events = events
        self.reloadInterval = reloadInterval
        self.autopilotInterval = autopilotInterval
        self.bootstrapKeys = bootstrapKeys
        self.console = console
    }
}
