import RampartStore
import Foundation

/// How `rampart serve` runs. Every field has a default that works for the quickstart.
public struct ServerConfiguration: Sendable {
    /// The address to bind.
    public var host: String
    public var port: Int
    /// The directory of experiment YAML files loaded at start (the initial definitions).
    public var experimentsDirectory: String
    /// The largest request body accepted on the events route, in bytes; larger bodies get 413.
    public var maxEventsBodyBytes: Int
    /// The largest evaluation or admin request body, in bytes.
    public var maxRequestBodyBytes: Int
    /// How exposures are batched.
    public var exposures: ExposureLogger.Configuration
    /// Keys accepted in addition to stored ones, given in plaintext (e.g. from the environment) for the quickstart.
    public var bootstrapKeys: [(scope: KeyScope, plaintext: String)]

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        experimentsDirectory: String = "experiments",
        maxEventsBodyBytes: Int = 8 * 1024 * 1024,
        maxRequestBodyBytes: Int = 1024 * 1024,
        exposures: ExposureLogger.Configuration = .init(),
        bootstrapKeys: [(scope: KeyScope, plaintext: String)] = []
    ) {
        self.host = host
        self.port = port
        self.experimentsDirectory = experimentsDirectory
        self.maxEventsBodyBytes = maxEventsBodyBytes
        self.maxRequestBodyBytes = maxRequestBodyBytes
        self.exposures = exposures
        self.bootstrapKeys = bootstrapKeys
    }
}
