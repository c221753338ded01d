import ArgumentParser
import Foundation
import RampartServer

extension ServeCommand {
    /// The console settings from `--session-ttl` and `--behind-tls`.
    func consoleConfiguration() throws -> ConsoleConfiguration {
        guard let ttl = Self.seconds(sessionTTL), ttl > 0 else {
            throw ValidationError("--session-ttl: expected a positive duration such as 3600, 45m, 12h or 7d; got '\(sessionTTL)'")
        }
        return ConsoleConfiguration(sessionTTL: ttl, behindTLS: behindTLS)
    }

    /// Seconds from `3600`, `90s`, `45m`, `12h` or `7d`; `nil` when unreadable.
    static func seconds(_ text: String) -> TimeInterval? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        if let last = text.last, let unit = units[last] {
            return Double(text.dropLast()).map { $0 * unit }
        }
        return Double(text)
    }
}
