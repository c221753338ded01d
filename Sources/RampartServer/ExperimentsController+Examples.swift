import Foundation
import Hummingbird
import RampartAnalysis
import RampartCore
import RampartStore

extension ExperimentsController {
    /// The `as_of` query parameter (``AsOfMoment``), now when absent.
    static func asOf(_ request: Request) throws -> Date {
        guard let text = request.uri.queryParameters.get("as_of") else { return Date() }
        switch AsOfMoment.parse(text) {
        case .success(let date): return date
        case .failure(let failure): throw APIError(.badRequest, code: "invalid_query", "as_of: \(failure)")
        }
    }

    /// The results' `examples` query parameter: example units per metric, variant and group, 0 (none) by default.
    static func examplesLimit(_ request: Request) throws -> Int {
        guard let text = request.uri.queryParameters.get("examples") else { return 0 }
        guard let n = Int(text), (0...ExampleQuery.maximumLimit).contains(n) else {
            throw APIError(.badRequest, code: "invalid_query", "examples: expected a whole number from 0 to \(ExampleQuery.maximumLimit), found '\(text)'")
        }
        return n
    }

    /// `GET /v1/experiments/{key}/metrics/{metric}/examples?variant=V&limit=N&as_of=T`: example units behind a
    /// metric and variant, with trace ids and links (``MetricExamples``).
    @Sendable func examples(_ request: Request, context: RampartRequestContext) async throws -> Response {
        let state = try await rollout(context)
        let query = request.uri.queryParameters
        let metric = context.parameters.get("metric") ?? ""
        guard let variant = query.get("variant"), !variant.isEmpty else {
            throw APIError(.badRequest, code: "invalid_query", "variant: required, one of \(state.experiment.variants.map(\.key).joined(separator: ", "))")
        }
        var limit = MetricExamples.defaultLimit
        if let text = query.get("limit") {
            guard let n = Int(text) else {
                throw APIError(.badRequest, code: "invalid_query", "limit: expected a whole number from 1 to 100, found '\(text)'")
            }
            limit = n
        }
        let now = try Self.asOf(request)
        let found = try await storeCall {
            do {
                return try await MetricExamples.find(in: store, experiment: state.experiment, metric: metric, variant: variant, limit: limit, now: now)
            } catch let error as RampartError where error.code == .invalidInput {
                throw APIError(.badRequest, code: "invalid_query", error.message)
            }
        }
        return .json(try found.json())
    }
}
