import ArgumentParser
import Foundation
import Hummingbird
import Logging
import RampartServer
import RampartStore

/// `rampart serve`: the HTTP service — OFREP evaluation, event ingestion, experiment admin, results, ramp controls.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the Rampart HTTP service on the embedded SQLite store.",
        discussion: """
            Keys: create them with `rampart keys create --scope sdk|admin`, or bootstrap one of each for a quickstart \
            with the environment variables RAMPART_SDK_KEY and RAMPART_ADMIN_KEY (any string starting with rk_sdk_ \
            or rk_admin_). SIGINT or SIGTERM shut down gracefully: in-flight requests finish and pending exposures \
            are written. See docs/api.md and openapi.yaml.
            """
    )

    @Option(name: .long, help: "The address to bind.")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "The port.")
    var port: Int = 8080

    @OptionGroup var database: DatabaseOptions

    @Option(name: .customLong("max-events-body"), help: "The largest POST /v1/events body, in bytes (larger: 413).")
    var maxEventsBody: Int = 8 * 1024 * 1024

    @Option(name: .customLong("autopilot-every"), help: "Turn on the autopilot: every N minutes apply ADVANCE and ROLLBACK verdicts (never SHIP, never past a stage that requires approval). Off by default.")
    var autopilotMinutes: Double?

    @Option(name: .customLong("reload-every"), help: ArgumentHelp("How often to reload experiments and keys from the store, so replicas sharing one store converge; on PostgreSQL a change also reloads at once (LISTEN/NOTIFY).", valueName: "seconds"))
    var reloadSeconds: Double = 5

    @Flag(name: .customLong("files-override-api"), help: "Let every experiment file that differs from its stored definition replace it, even when the stored definition was changed through the API after the file's last import (by default the API's change is kept and the file reported). Each replacement is audited as a forced import. Files that would move units are still refused.")
    var filesOverrideAPI = false

    @Option(name: .customLong("session-ttl"), help: "How long a console sign-in lasts: seconds, or a number with s, m, h or d (default 12h).")
    var sessionTTL: String = "12h"

    @Option(name: .customLong("exposure-repeat-window"), help: ArgumentHelp("Exposures that repeat one logged within this many seconds (same unit, experiment, phase, variant and segment values) are counted, not written again; 0 writes every one.", valueName: "seconds"))
    var exposureRepeatWindow: Double = 600

    @Option(name: .customLong("heap-trim-every"), help: ArgumentHelp("Give the allocator's free memory back to the operating system this often (glibc's malloc_trim), so resident memory follows use rather than its peak; 0 never.", valueName: "seconds"))
    var heapTrimEvery: Double = 30

    @Option(name: .customLong("body-timeout"), help: ArgumentHelp("How long a request's body may take to arrive in full after its headers; later, the request gets 408 and its connection is closed.", valueName: "seconds"))
    var bodyTimeout: Double = 30

    @Option(name: .customLong("idle-timeout"), help: ArgumentHelp("Close a connection that has sent nothing for this long, between requests or inside a body; 0 never.", valueName: "seconds"))
    var idleTimeout: Double = 75

    @Flag(name: .customLong("behind-tls"), help: "The service is reached through HTTPS (a TLS-terminating proxy): console session cookies are marked Secure.")
    var behindTLS = false
    @OptionGroup var otlp: OTLPOptions
    @OptionGroup var webhooks: WebhookOptions

    @Option(name: .customLong("webhook-poll"), help: ArgumentHelp("How often the outbox is polled for due deliveries.", valueName: "seconds"))
    var webhookPoll: Double = 1

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    /// Opens (or creates) the database and imports the experiment files, logging what each import did: a file
    /// that is not in force (kept, declined, refused) or that replaced an API change is a warning or notice.
    ///
    /// - Parameter logger: Where the import is reported.
    func openStore(logger: Logger) async throws -> any CommandStore {
        // A server's ingest requests wait for group commits: checkpoints must not run inside them.
        var base = SQLiteEventStore.Configuration()
        base.checkpointInBackground = true
        // Under continuous ingest a reader's cache is emptied at every read transaction: small ones bound the
        // memory each analysis allocates and frees again.
        base.readerCacheSizeMiB = 32
        // What an analysis leaves in them is emptied by the next commit anyway: given back after the read, it is not
        // memory in use between analyses, on each reader an analysis used (docs/operations.md, "Memory").
        base.releasesReaderCaches = true
        // An ingest request waits for at most one merge slice; each slice's uuids land at random places in the ledger,
        // so a slice costs about a page write per event: small slices keep that wait short (docs/performance.md).
        base.mergeSliceEvents = 2_000
        // What is staged when ingest pauses is merged then, so the results routes read the clustered table alone.
        base.mergeWhenIdleAfter = .seconds(2)
        return try await database.open(.create, filesWin: filesOverrideAPI, base: base) { decision in
            let level: Logger.Level = decision.isWarning ? .warning : (decision.outcome == .kept ? .notice : .info)
            logger.log(level: level, "experiment file \(decision.outcome.rawValue): \(decision.message)", metadata: [
                "experiment": "\(decision.key)", "import": "\(decision.outcome.rawValue)",
            ])
        }
    }

    func validate() throws {
        guard (0...65_535).contains(port) else {
            throw ValidationError("--port \(port): expected 0 to 65535 (0 picks a free port)")
        }
        guard exposureRepeatWindow >= 0, exposureRepeatWindow.isFinite else {
            throw ValidationError("--exposure-repeat-window: must be 0 or more seconds, got \(exposureRepeatWindow)")
        }
        guard heapTrimEvery >= 0, heapTrimEvery.isFinite else {
            throw ValidationError("--heap-trim-every: must be 0 or more seconds, got \(heapTrimEvery)")
        }
        guard bodyTimeout.isFinite, bodyTimeout >= 0.1, bodyTimeout <= 3600 else {
            throw ValidationError("--body-timeout \(bodyTimeout): expected 0.1 to 3600 seconds")
        }
        guard idleTimeout.isFinite, idleTimeout >= 0, idleTimeout <= 86_400 else {
            throw ValidationError("--idle-timeout \(idleTimeout): expected 0 (never) to 86400 seconds")
        }
        guard webhookPoll.isFinite, webhookPoll >= 0.05, webhookPoll <= 60 else {
            throw ValidationError("--webhook-poll \(webhookPoll): expected 0.05 to 60 seconds")
        }
    }

    mutating func run() async throws {
        // Before the server's threads start: large blocks mapped on their own, few arenas (docs/operations.md, "Memory").
        Allocator.configureForServer()
        var logger = Logger(label: "rampart")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let environment = ProcessInfo.processInfo.environment
        var bootstrap: [(scope: KeyScope, plaintext: String)] = []
        for (variable, scope) in [("RAMPART_SDK_KEY", KeyScope.sdk), ("RAMPART_ADMIN_KEY", .admin)] {
            guard let key = environment[variable], !key.isEmpty else { continue }
            guard key.hasPrefix(scope.prefix), key.count >= scope.prefix.count + 16 else {
                throw CLIFailure("\(variable) must start with \(scope.prefix) and have at least 16 more characters")
            }
            bootstrap.append((scope, key))
        }
        let store = try await openStore(logger: logger)
        let autopilot = try autopilotMinutes.map { minutes -> Duration in
            guard minutes > 0 else { throw ValidationError("--autopilot-every must be positive") }
            return .milliseconds(Int64(minutes * 60_000))
        }
        guard reloadSeconds.isFinite, reloadSeconds >= 0.1, reloadSeconds <= 3600 else {
            throw ValidationError("--reload-every \(reloadSeconds): expected 0.1 to 3600 seconds")
        }
        var configuration = ServerConfiguration(host: host, port: port, maxEventsBodyBytes: maxEventsBody, autopilotInterval: autopilot, bootstrapKeys: bootstrap)
        configuration.reloadInterval = .milliseconds(Int64(reloadSeconds * 1000))
        configuration.console = try consoleConfiguration()
        configuration.otlp = otlp.configuration
        configuration.exposures.repeatWindow = .milliseconds(Int64(exposureRepeatWindow * 1000))
        configuration.bodyReadTimeout = .milliseconds(Int64(bodyTimeout * 1000))
        configuration.idleTimeout = idleTimeout > 0 ? .milliseconds(Int64(idleTimeout * 1000)) : nil
        configuration.heapTrimInterval = heapTrimEvery > 0 ? .milliseconds(Int64(heapTrimEvery * 1000)) : nil
        configuration.webhooks = try webhooks.configuration()
        configuration.webhooks.pollInterval = .milliseconds(Int64(webhookPoll * 1000))
        let app = try await buildApplication(configuration: configuration, dependencies: ServerDependencies(store: store), logger: logger)
        let keys = try await store.apiKeys().count + bootstrap.count
        let experiments = try await store.rollouts().count
        logger.info("rampart serving", metadata: [
            "address": "http://\(host):\(port)", "console": "http://\(host):\(port)/", "db": "\(StoreLocation.describe(database.db))", "experiments": "\(experiments)", "keys": "\(keys)",
        ])
        if keys == 0 {
            logger.warning("no API keys: create one with `rampart keys create --scope sdk`, or set RAMPART_SDK_KEY and RAMPART_ADMIN_KEY")
        }
        try await app.runService()
    }
}
