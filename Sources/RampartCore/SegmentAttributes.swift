/// The rules for segment attributes: attributes of the evaluation context that an experiment names under
/// `segments:` and that are recorded with each exposure, so that results can be read per segment value
/// (docs/experiment-format.md, "Segments"; docs/report-format.md, "Segments").
public enum SegmentAttributes {
    /// The most attributes one experiment may name.
    public static let maxAttributes = 8
    /// The longest recorded value, in UTF-8 bytes; longer values are cut at a character boundary.
    public static let maxValueBytes = 64
    /// The most distinct values of one attribute an analysis keeps; units with a rarer value fall in ``overflow``.
    public static let maxDistinctValues = 100
    /// The value shown for units whose value is beyond the ``maxDistinctValues`` most common ones.
    public static let overflow = "(other)"
    /// The default of ``AnalysisSettings/segmentMinimumUnits``: units per variant below which a segment shows
    /// "too few units" instead of an effect.
    public static let defaultMinimumUnits = 100

    /// Why `name` cannot be a segment attribute, `nil` when it can: 1–64 characters, letters, digits, `_`, `-`
    /// and `.`, starting with a letter, and none of the names an exposure event already uses.
    public static func problem(name: String) -> String? {
        guard let first = name.unicodeScalars.first else { return "is empty" }
        guard name.utf8.count <= 64 else { return "'\(name.prefix(20))…' is longer than 64 bytes" }
        guard ("a"..."z").contains(first) || ("A"..."Z").contains(first) else {
            return "'\(name)' must start with a letter"
        }
        let allowed = name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" || $0 == "."
        }
        guard allowed else { return "'\(name)' may hold only letters, digits, '_', '-' and '.'" }
        guard !reserved.contains(name) else { return "'\(name)' is a property every exposure already has" }
        if let type = KnownProperties.types[name], type.isNumeric {
            return "'\(name)' is a known numeric event property; only text properties can name a segment"
        }
        return nil
    }

    /// Exposure properties a segment attribute may not shadow.
    static let reserved: Set<String> = ["experiment", "variant", "phase", "unit", "timestamp", "id", "name"]

    /// A recorded value: a string as it is, a number, boolean as their JSON text; cut to ``maxValueBytes`` UTF-8
    /// bytes at a character boundary. `nil` for null, arrays and objects (not recorded).
    public static func recorded(_ value: JSONValue) -> String? {
        let text: String
        switch value {
        case .string(let s): text = s
        case .number, .bool: text = value.jsonText
        default: return nil
        }
        return capped(text)
    }

    /// `text` cut to at most ``maxValueBytes`` UTF-8 bytes without splitting a character.
    public static func capped(_ text: String) -> String {
        guard text.utf8.count > maxValueBytes else { return text }
        var out = ""
        var bytes = 0
        for character in text {
            let n = character.utf8.count
            if bytes + n > maxValueBytes { break }
            out.append(character)
            bytes += n
        }
        return out
    }

    /// The properties to record with an exposure: the named attributes' values found in `context` (recorded values
    /// only; an attribute the context lacks is left out).
    ///
    /// - Parameters:
    ///   - names: The experiment's `segments`.
    ///   - context: The evaluation context's attributes.
    public static func properties(_ names: [String], from context: [String: JSONValue]) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for name in names {
            if let value = context[name], let text = recorded(value) { out[name] = .string(text) }
        }
        return out
    }
}
