import Foundation

/// The fields of an `application/x-www-form-urlencoded` body (a plain HTML form).
struct FormFields: Sendable {
    private(set) var values: [String: String] = [:]

    /// Parses `a=1&b=two+words`; a name given twice keeps its last value.
    init(_ text: String) {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            values[name] = parts.count > 1 ? Self.decode(parts[1]) : ""
        }
    }

    subscript(_ name: String) -> String? { values[name] }

    /// The field without surrounding white space, `nil` when missing or blank.
    func trimmed(_ name: String) -> String? {
        guard let value = values[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    static func decode(_ part: Substring) -> String {
        let spaced = part.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
