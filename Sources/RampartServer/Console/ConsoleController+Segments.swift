import Foundation
import RampartAnalysis
import RampartCore

extension ConsoleController {
    /// The experiment page's "By segment" breakdown for `?by=ATTR`, `nil` without one.
    ///
    /// - Throws: ``ConsolePageError`` (400) naming an attribute the experiment does not name.
    func segmentBreakdown(_ e: Experiment, by: String?, asOf: Date) async throws -> SegmentBreakdown? {
        guard let by else { return nil }
        guard e.analysis.segments.contains(by) else {
            throw ConsolePageError(status: .badRequest, title: "Unknown segment", message: "“\(by)” is not a segment attribute of this experiment.")
        }
        return try await ExperimentAnalyzer(store: store).segments(e, by: by, asOf: asOf)
    }

    /// The segment selector's values: the experiment's segment attributes, the chosen one selected.
    static func segmentValues(_ e: Experiment, by: String?) -> [String: Any] {
        [
            "hasSegments": !e.analysis.segments.isEmpty,
            "segmentOptions": e.analysis.segments.map { ["name": $0, "selected": $0 == by] as [String: Any] },
            "segmentBy": by ?? "",
        ]
    }
}
