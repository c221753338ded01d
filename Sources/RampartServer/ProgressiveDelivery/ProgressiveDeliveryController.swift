import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RampartAnalysis
import RampartCore
import RampartStore

/// `GET /v1/experiments/{key}/verdict` (Argo Rollouts' `web` metric provider) and Flagger's webhooks,
/// `POST /v1/flagger/{confirm-promotion|confirm-traffic-increase|rollback}`.
///
/// Both read the verdict as the report computes it now (a verdict-only analysis) and change nothing. The verdict
/// route takes an admin or viewer key in the usual headers; the Flagger routes also accept one in the webhook's
/// `metadata.api_key`, since Flagger's webhook spec has no header field.
struct ProgressiveDeliveryController {
    let store: any ValueDistributionStore & ControlStore
    let keys: KeyRing
    let maxBodyBytes: Int

    static let accepted: Set<KeyScope> = [.admin, .viewer]

    func addVerdictRoute(to group: RouterGroup<RampartRequestContext>) {
        group.get("experiments/{key}/verdict", use: verdict)
    }

    func addFlaggerRoutes(to group: RouterGroup<RampartRequestContext>) {
        for hook in FlaggerGate.Hook.allCases {
            group.post("flagger/\(hook.rawValue)") { request, context in try await flagger(hook, request, context) }
        }
    }

    @Sendable func verdict(_ request: Request, context: RampartRequestContext) async throws -> Response {
        let key = context.parameters.get("key") ?? ""
        let (state, verdict, at) = try await analyse(key)
        return .json(VerdictDocument.json(state, verdict: verdict, at: at).jsonText)
    }

    func flagger(_ hook: FlaggerGate.Hook, _ request: Request, _ context: RampartRequestContext) async throws -> Response {
        let body = try await request.collectBody(upTo: maxBodyBytes)
        let json: JSONValue
        do {
            json = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: body))
        } catch {
            throw APIError(.badRequest, code: "invalid_json", "the body must be Flagger's webhook payload: {\"name\", \"namespace\", \"phase\", \"metadata\": {\"experiment\": KEY}}")
        }
        let payload: FlaggerGate.Payload
        let key: String
        do {
            payload = try FlaggerGate.Payload(json: json)
            try authorize(request.headers, metadataKey: payload.metadata["api_key"])
            key = try payload.experiment()
        } catch let error as RampartError {
            throw APIError(.unprocessableContent, code: "invalid_payload", error.message)
        }
        let (state, verdict, at) = try await analyse(key)
        let (status, allowed) = FlaggerGate.decide(hook, state: state, verdict: verdict)
        var document = VerdictDocument.json(state, verdict: verdict, at: at).objectValue ?? [:]
        document["hook"] = .string(hook.rawValue)
        document["allowed"] = .bool(allowed)
        document["canary"] = [
            "name": payload.name.map(JSONValue.string) ?? .null, "namespace": payload.namespace.map(JSONValue.string) ?? .null,
            "phase": payload.phase.map(JSONValue.string) ?? .null,
        ]
        return .json(JSONValue.object(document).jsonText, status: status)
    }

    /// An admin or viewer key in the headers, else in the webhook metadata.
    func authorize(_ headers: HTTPFields, metadataKey: String?) throws {
        let fromHeader: KeyScope?? = APIKeyMiddleware.withPresentedKey(headers) { presented in presented.map { keys.scope(of: $0) } }
        let scope: KeyScope?
        if let fromHeader {
            scope = fromHeader
        } else if let metadataKey {
            scope = keys.scope(of: metadataKey)
        } else {
            throw APIError.unauthorized(code: "missing_api_key", "send an admin or viewer key as 'Authorization: Bearer KEY', 'X-API-Key: KEY' or the webhook's metadata.api_key")
        }
        guard let scope else { throw APIError.unauthorized(code: "invalid_api_key", "the API key is not valid") }
        guard Self.accepted.contains(scope) else {
            throw APIError(.forbidden, code: "wrong_scope", "this route needs an admin or viewer key; the key sent is \(scope.phrase)")
        }
    }

    /// The rollout and its verdict now.
    func analyse(_ key: String) async throws -> (RolloutState, Verdict, Date) {
        let state: RolloutState?
        do {
            state = try await store.rollout(key)
        } catch {
            throw APIError.store(error)
        }
        guard let state else { throw APIError(.notFound, code: "not_found", "no experiment '\(key)'") }
        let now = Date()
        do {
            let report = try await ExperimentAnalyzer(store: store).analyze(state, now: now, depth: .verdict)
            return (state, report.verdict, now)
        } catch {
            throw APIError.store(error)
        }
    }
}
