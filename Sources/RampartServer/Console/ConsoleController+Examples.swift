import Foundation
import Hummingbird
import RampartAnalysis
import RampartCore

extension ConsoleController {
    /// Per metric of the experiment, a link to its examples for each variant (the experiment page).
    ///
    /// - Parameters:
    ///   - e: The experiment.
    ///   - asOf: The moment viewed, carried into the links.
    static func exampleLinks(_ e: Experiment, asOf: Date?) -> [[String: Any]] {
        let moment = asOf.map { "&as_of=" + ReportFormat.date($0) } ?? ""
        return e.metrics.filter { $0.role != nil }.map { metric in
            [
                "metricName": metric.name, "metricKey": metric.key,
                "links": e.variants.map { variant -> [String: Any] in
                    let path = "/experiments/\(percentEncoded(e.key))/metrics/\(percentEncoded(metric.key))/examples"
                    return ["variantKey": variant.key, "href": "\(path)?variant=\(percentEncoded(variant.key))\(moment)"]
                },
            ]
        }
    }

    /// A path segment or query value, percent-encoded.
    static func percentEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// The examples of a metric and variant: `GET /experiments/{key}/metrics/{metric}/examples?variant=V`.
    @Sendable func examplesPage(_ request: Request, context: RampartRequestContext, identity: ConsoleIdentity) async throws -> Response {
        let state = try await rollout(context)
        let e = state.experiment
        let query = request.uri.queryParameters
        let asOf = try Self.asOf(query.get("as_of"))
        let metric = context.parameters.get("metric") ?? ""
        let variant = query.get("variant") ?? e.control
        let limit = query.get("limit").flatMap { Int($0) } ?? MetricExamples.defaultLimit
        let found: MetricExamples
        do {
            found = try await MetricExamples.find(in: store, experiment: e, metric: metric, variant: variant, limit: limit, now: asOf ?? Date())
        } catch let error as RampartError where error.code == .notFound {
            throw ConsolePageError(status: .notFound, title: "No such metric", message: error.message)
        } catch let error as RampartError where error.code == .invalidInput {
            throw ConsolePageError(status: .badRequest, title: "Cannot list examples", message: error.message)
        }
        // `ConsoleRenderer.compact` leaves absent optionals out of the rows: wrapped in `Any`, `nil` rendered as the
        // text "nil" and counted as present in a section.
        let groups: [[String: Any]] = found.groups.map { group in
            ConsoleRenderer.compact([
                "kind": group.kind, "description": group.description,
                "threshold": group.threshold.map { String(format: "%.6g", $0) } as Any,
                "empty": group.examples.isEmpty,
                "examples": group.examples.map { x -> [String: Any] in
                    ConsoleRenderer.compact([
                        "unit": x.unit, "value": String(format: "%.6g", x.value), "at": ReportFormat.date(x.at),
                        "traceID": x.traceID ?? "—", "traceURL": x.traceURL as Any,
                    ])
                },
            ])
        }
        let values: [String: Any] = [
            "key": e.key, "name": e.name, "metric": found.metric, "metricName": found.name, "variant": variant,
            "asOf": ReportFormat.date(found.asOf), "groups": groups, "hasTraceURL": found.traceURL != nil,
            "others": e.variants.filter { $0.key != variant }.map { v -> [String: Any] in
                ["variantKey": v.key, "href": "?variant=\(Self.percentEncoded(v.key))" + (asOf.map { "&as_of=" + ReportFormat.date($0) } ?? "")]
            },
        ]
        return renderer.page("examples", title: "\(found.name) — examples", identity: identity, values: values)
    }
}
