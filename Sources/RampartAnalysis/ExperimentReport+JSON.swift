import Foundation

extension ExperimentReport {
    /// The encoder of the JSON report: snake_case keys as declared, RFC 3339 dates with their milliseconds when they
    /// have any (``ReportFormat/moment(_:)``: `as_of` given back to `--as-of` is the same moment), sorted keys.
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(ReportFormat.moment(date))
        }
        return encoder
    }

    /// The report as JSON (docs/report-format.md).
    public func json() throws -> String {
        String(decoding: try Self.encoder.encode(self), as: UTF8.self)
    }
}
