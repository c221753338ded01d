import Hummingbird
import RampartCore

extension ExperimentsController {
    /// The `by` query parameter of the results routes: one of the experiment's segment attributes, `nil` when absent.
    ///
    /// - Throws: `APIError` 400 (`invalid_query`) naming the attribute when the experiment does not name it.
    static func segmentAttribute(_ request: Request, _ experiment: Experiment) throws -> String? {
        guard let by = request.uri.queryParameters.get("by") else { return nil }
        guard experiment.analysis.segments.contains(by) else {
            let known = experiment.analysis.segments.isEmpty ? "it names none" : "its segments: \(experiment.analysis.segments.joined(separator: ", "))"
            throw APIError(.badRequest, code: "invalid_query", "by: '\(by)' is not a segment attribute of experiment '\(experiment.key)' (\(known))")
        }
        return by
    }
}
