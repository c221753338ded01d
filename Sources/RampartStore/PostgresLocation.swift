import Foundation
import PostgresNIO
import RampartCore

/// Where a PostgreSQL store lives, read from a `postgres://user:password@host:port/database?sslmode=…` URL.
///
/// `sslmode` follows libpq: `disable` (plain), `prefer` (the default: TLS when the server offers it), `require`
/// (TLS or fail; the certificate is not verified, as in libpq), `verify-full` (TLS with the certificate checked
/// against the system trust store and the host name).
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: String

    /// Whether a `--db` value names a PostgreSQL database rather than an SQLite file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses a URL.
    ///
    /// - Throws: `RampartError` (`invalid_input`) naming the part that is wrong.
    public init(url text: String) throws {
        guard Self.isURL(text), let components = URLComponents(string: text) else {
            throw RampartError(.invalidInput, "database URL: expected postgres://user:password@host:port/database, found '\(Self.redacted(text))'")
        }
        guard let host = components.host, !host.isEmpty else {
            throw RampartError(.invalidInput, "database URL '\(Self.redacted(text))': a host is required")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.user = components.percentEncodedUser.flatMap { $0.removingPercentEncoding } ?? "postgres"
        self.password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? user : path
        self.sslMode = "prefer"
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                let mode = item.value ?? ""
                guard ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"].contains(mode) else {
                    throw RampartError(.invalidInput, "database URL: sslmode '\(mode)' is not one of disable, prefer, require, verify-full")
                }
                sslMode = mode
            default:
                throw RampartError(.invalidInput, "database URL: unknown parameter '\(item.name)' (supported: sslmode)")
            }
        }
    }

    /// The URL without its password, for messages and logs.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    /// `host:port`, for error messages.
    public var address: String { "\(host):\(port)" }

    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? text
    }

    /// The TLS settings of `sslmode`: `nil` for none; `required` when the connection must use TLS.
    func tlsConfiguration() -> (configuration: TLSConfiguration, required: Bool)? {
        switch sslMode {
        case "disable": return nil
        case "allow", "prefer", "require":
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            return (tls, sslMode == "require")
        default:
            return (TLSConfiguration.makeClientConfiguration(), true)
        }
    }

    /// The configuration of one connection.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        if let (configuration, required) = tlsConfiguration() {
            let context = try NIOSSLContext(configuration: configuration)
            tls = required ? .require(context) : .prefer(context)
        } else {
            tls = .disable
        }
        return PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
    }

    /// The configuration of a pool.
    func clientConfiguration(maximumConnections: Int) throws -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        if let (configuration, required) = tlsConfiguration() {
            tls = required ? .require(configuration) : .prefer(configuration)
        } else {
            tls = .disable
        }
        var configuration = PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    /// A sentence saying why talking to the server failed, without a stack trace: the server's own message when
    /// it sent one (wrong password, unknown database), else the connection's failure.
    static func reason(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return message + state
            }
            if let underlying = error.underlying { return String(describing: underlying) }
            switch error.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection: return "the connection was closed"
            case .sslUnsupported: return "the server does not support TLS (sslmode=require)"
            case .poolClosed: return "the connection pool is closed"
            default: return "\(error.code)"
            }
        }
        return String(describing: error)
    }
}
