import Foundation
import HTTPTypes
import Hummingbird
import RampartCore

/// `GET /api/features/{sdk-key}`: the experiments as a GrowthBook SDK payload (``GrowthBookPayload``), so that
/// GrowthBook's SDKs, pointed at Rampart as their API host with a Rampart SDK key as their client key, assign
/// in-process exactly as Rampart assigns. The key in the path must be an SDK key. The ETag is the configuration
/// version; `If-None-Match` with it gets 304 until an experiment, its coverage or its phase changes.
struct GrowthBookController {
    let registry: ExperimentRegistry
    let keys: KeyRing

    func addRoutes(to router: Router<RampartRequestContext>) {
        router.get("api/features/:key", use: features)
    }

    @Sendable func features(_ request: Request, context: RampartRequestContext) async throws -> Response {
        let key = context.parameters.get("key") ?? ""
        guard let scope = keys.scope(of: key) else {
            throw APIError(.unauthorized, code: "invalid_api_key", "the key in the path is not a valid Rampart SDK key")
        }
        guard scope == .sdk else {
            throw APIError(.forbidden, code: "wrong_scope", "this route needs an SDK key; the key sent is \(scope.phrase)")
        }
        let generation = registry.current
        let etag = "\"gb-\(generation.version)\""
        if request.headers.ifNoneMatchContains(etag) {
            return Response(status: .notModified, headers: [.eTag: etag])
        }
        let payload = GrowthBookPayload(generation.ordered.map(\.compiled.experiment))
        return .json(payload.body(version: generation.version).jsonText, headers: [.eTag: etag, .cacheControl: "no-cache"])
    }
}
