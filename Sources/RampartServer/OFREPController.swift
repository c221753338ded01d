import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RampartCore

/// The OpenFeature Remote Evaluation Protocol routes. The flag key is the experiment key; `context.targetingKey` is
/// the unit; the value is the variant's payload object.
struct OFREPController {
    let registry: ExperimentRegistry
    let exposures: ExposureLogger?
    /// The largest evaluation request body accepted.
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<RampartRequestContext>) {
        group.post("evaluate/flags/{key}", use: evaluate)
        group.post("evaluate/flags", use: evaluateAll)
    }

    /// `POST /ofrep/v1/evaluate/flags/{key}`, as routed by the router.
    @Sendable func evaluate(_ request: Request, context: RampartRequestContext) async throws -> Response {
        try await evaluate(request, key: context.parameters.get("key") ?? "")
    }

    /// Single-flag evaluation of the flag `key`.
    ///
    /// - Parameters:
    ///   - request: The evaluation request.
    ///   - key: The flag key from the path.
    func evaluate(_ request: Request, key: String) async throws -> Response {
        let body = try await collect(request, key: key)
        guard let served = registry.served(key) else {
            throw OFREPError(code: .flagNotFound, details: "no experiment with key '\(key)'", key: key)
        }
        var parsed = try EvaluationContext.parse(body, key: key)
        parsed.addUnit(served.compiled.experiment.unit)
        let (assignment, rendered) = assign(served, parsed)
        return rendered?.response ?? .json(served.successJSON(assignment))
    }

    /// `POST /ofrep/v1/evaluate/flags`: every experiment, with an ETag over the configuration and the context.
    @Sendable func evaluateAll(_ request: Request, context: RampartRequestContext) async throws -> Response {
        let body = try await collect(request, key: nil)
        let parsed = try EvaluationContext.parse(body, key: nil)
        let generation = registry.current
        var hasher = FNV1a()
        hasher.combine(generation.version)
        hasher.combine(parsed.targetingKey)
        hasher.combine(JSONValue.object(parsed.attributes).jsonText)
        let etag = "\"\(generation.version)-\(String(hasher.value, radix: 16))\""
        if request.headers.ifNoneMatchContains(etag) {
            return Response(status: .notModified, headers: [.eTag: etag])
        }
        let flags = generation.ordered.map { $0.successJSON(assign($0, parsed).assignment) }
        return .json("{\"flags\":[" + flags.joined(separator: ",") + "]}", headers: [.eTag: etag])
    }

    /// Assigns the request's unit, counts the evaluation and queues an exposure when the unit is enrolled.
    ///
    /// - Parameters:
    ///   - served: The experiment.
    ///   - request: The parsed evaluation context.
    /// - Returns: The assignment to answer with, and its pre-rendered answer (`nil` for a variant the experiment does
    ///   not define, which is answered by encoding and not counted).
    func assign(_ served: ServedExperiment, _ request: EvaluationContext) -> (assignment: Assignment, rendered: RenderedEvaluation?) {
        let attributes = request.attributes(unitAttribute: served.compiled.experiment.unit)
        let assignment = served.compiled.assign(unit: request.targetingKey, attributes: attributes)
        let rendered = served.rendering(assignment)
        rendered?.counter.increment()
        if assignment.enrolled, let exposures {
            var exposure = Exposure(
                unit: request.targetingKey, experiment: assignment.experimentKey,
                variant: assignment.variant.key, phase: assignment.phase
            )
            let segments = served.compiled.experiment.analysis.segments
            if !segments.isEmpty { exposure.segments = SegmentAttributes.properties(segments, from: attributes) }
            exposures.log(exposure)
        }
        return (assignment, rendered)
    }

    func collect(_ request: Request, key: String?) async throws -> ByteBuffer {
        try await request.collectBody(upTo: maxBodyBytes)
    }
}
