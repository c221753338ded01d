import Foundation

/// An experiment's `trace_url`: a link template in which `{trace_id}` stands for a trace id.
public enum TraceLink {
    /// The placeholder the template must contain.
    public static let placeholder = "{trace_id}"

    /// What is wrong with a template, or `nil` when it is usable: an absolute `http` or `https` URL containing
    /// `{trace_id}`.
    ///
    /// - Parameter template: The experiment's `trace_url`.
    public static func problem(template: String) -> String? {
        guard template.contains(placeholder) else {
            return "must contain \(placeholder), where the trace id goes, found '\(template)'"
        }
        let probe = template.replacingOccurrences(of: placeholder, with: "0")
        guard let url = URL(string: probe), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else {
            return "must be an absolute http or https URL, found '\(template)'"
        }
        return nil
    }

    /// The template with the trace id filled in (percent-encoded as a path segment), or `nil` without a template
    /// or a trace id.
    ///
    /// - Parameters:
    ///   - template: The experiment's `trace_url`.
    ///   - traceID: The trace id.
    public static func url(template: String?, traceID: String?) -> String? {
        guard let template, let traceID, !traceID.isEmpty else { return nil }
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        let encoded = traceID.addingPercentEncoding(withAllowedCharacters: allowed) ?? traceID
        return template.replacingOccurrences(of: placeholder, with: encoded)
    }
}
