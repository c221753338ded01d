import Foundation

/// Reads a moment to analyse "as of", as every command and route takes it: an RFC 3339 timestamp
/// (`2026-06-10T12:00:00Z`, fractions and offsets allowed), a date (`2026-06-10`, midnight UTC), a date and time
/// without seconds or zone (`2026-06-10T12:00`, UTC, as a browser's `datetime-local` sends it), or seconds since 1970.
///
/// Impossible dates (`2026-02-30`) are refused rather than rolled over into the next month, as Foundation's
/// `ISO8601DateFormatter` did, and so are seconds outside 1970 to 9999, where a report's `as_of` could not be
/// written as a timestamp (a value in milliseconds was read as a moment thousands of years ahead).
public enum AsOfMoment {
    /// The latest moment accepted: 9999-12-31T23:59:59.999Z, the last one a four-digit year writes.
    public static let latest = Date(timeIntervalSince1970: 253_402_300_799.999)

    /// What the forms accepted are, for an error message.
    public static let expected = "an RFC 3339 timestamp (2026-06-10T12:00:00Z), a date (2026-06-10), a UTC date and time (2026-06-10T12:00) or seconds since 1970"

    /// The moment, or why the text is not one.
    ///
    /// - Parameter text: The text given (surrounding white space ignored).
    public static func parse(_ text: String) -> Result<Date, Failure> {
        let text = text.trimmingCharacters(in: .whitespaces)
        for candidate in [text, text + ":00Z", text + "T00:00:00Z"] {
            if let milliseconds = RFC3339.milliseconds(from: candidate) {
                return .success(Date(timeIntervalSince1970: Double(milliseconds) / 1000))
            }
        }
        if let seconds = Double(text), text.first.map({ $0.isNumber || $0 == "-" || $0 == "." }) == true {
            guard seconds.isFinite, seconds >= 0, seconds <= latest.timeIntervalSince1970 else {
                let hint = seconds.isFinite && seconds > latest.timeIntervalSince1970 && seconds / 1000 <= latest.timeIntervalSince1970
                    ? " (it looks like milliseconds: divide by 1000)" : ""
                return .failure(Failure("\(text) seconds is outside 1970-01-01 to 9999-12-31\(hint)"))
            }
            return .success(Date(timeIntervalSince1970: seconds))
        }
        return .failure(Failure("'\(text)' is not \(expected); a date must exist (no 2026-02-30)"))
    }

    /// Why a text is not a moment.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }
}
