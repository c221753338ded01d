import Foundation

extension WebhookEndpoint {
    /// The secrets that sign a request sent at `at`: the current one, then the one replaced by the last rotation
    /// while its overlap lasts (`rampart webhooks rotate --overlap`; docs/integrations.md, "Rotating a secret").
    ///
    /// - Parameter at: The moment of sending.
    public func secrets(at: Date) -> [String] {
        guard let previousSecret, let until = previousSecretUntil, until > at else { return [secret] }
        return [secret, previousSecret]
    }

    /// Whether a rotation's overlap is still running at `at`.
    public func isRotating(at: Date) -> Bool {
        secrets(at: at).count > 1
    }

    /// Parses an overlap such as `24h`, `90m`, `30s`, `2d` or a number of seconds.
    ///
    /// - Parameter text: The overlap as typed.
    /// - Returns: Seconds, or an `invalid_input` error naming `overlap`.
    public static func parseOverlap(_ text: String) -> Result<TimeInterval, RampartError> {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        var number = Substring(trimmed)
        var scale = 1.0
        if let last = trimmed.last, let unit = units[last] {
            number = trimmed.dropLast()
            scale = unit
        }
        guard let value = Double(number), value.isFinite, value >= 0, value * scale <= 30 * 86_400 else {
            return .failure(RampartError(.invalidInput, "overlap: expected a duration from 0 to 30d such as 24h, 90m or 3600 (seconds), got '\(text)'"))
        }
        return .success(value * scale)
    }
}
