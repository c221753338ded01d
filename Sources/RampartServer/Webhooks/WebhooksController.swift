import Foundation
import Hummingbird
import RampartCore
import RampartStore

/// `/v1/webhooks`: the endpoints and deliveries of `rampart webhooks` over HTTP (openapi.yaml). Admin and viewer
/// keys read (a viewer sees URLs redacted, ``WebhookEndpoint/redactedURL``); admin keys add, remove and rotate.
/// Secrets are returned once, by add and rotate, and never listed.
struct WebhooksController: Sendable {
    let admin: WebhookAdmin
    let maxBodyBytes: Int

    func addReadRoutes(to group: RouterGroup<RampartRequestContext>) {
        group.get("webhooks", use: list)
        group.get("webhooks/deliveries", use: deliveries)
    }

    func addAdminRoutes(to group: RouterGroup<RampartRequestContext>) {
        group.post("webhooks", use: add)
        group.delete("webhooks/{id}", use: remove)
        group.post("webhooks/{id}/rotate", use: rotate)
    }

    @Sendable func list(_ request: Request, context: RampartRequestContext) async throws -> Response {
        let redacted = context.scope != .admin, now = Date()
        let listed = try await call { try await admin.list() }
        let items: [JSONValue] = listed.map { item in
            var json = item.endpoint.json(at: now, redacted: redacted).objectValue ?? [:]
            json["last_delivery"] = item.last.map { $0.json(url: redacted ? $0.endpoint.redactedURL : nil) } ?? .null
            return .object(json)
        }
        return .json(JSONValue.object(["webhooks": .array(items)]).jsonText)
    }

    @Sendable func deliveries(_ request: Request, context: RampartRequestContext) async throws -> Response {
        var limit = 50
        if let text = request.uri.queryParameters.get("limit") {
            guard let parsed = Int(text), (1...1_000).contains(parsed) else {
                throw APIError(.badRequest, code: "invalid_input", "limit: expected 1 to 1000, got '\(text)'")
            }
            limit = parsed
        }
        let redacted = context.scope != .admin
        let rows = try await call { try await admin.deliveries(limit: limit) }
        return .json(JSONValue.object(["deliveries": .array(rows.map { $0.json(url: redacted ? $0.endpoint.redactedURL : nil) })]).jsonText)
    }

    @Sendable func add(_ request: Request, context: RampartRequestContext) async throws -> Response {
        let fields = try await body(request, example: #"{"url": "https://hooks.example.com/rampart", "experiment": null, "events": "all"}"#)
        let url = try string(fields, "url", required: true) ?? ""
        let endpoint = try await call { try await admin.add(url: url, experiment: try string(fields, "experiment"), events: try events(fields)) }
        return .json(Self.withSecret(endpoint).jsonText, status: .created)
    }

    @Sendable func remove(_ request: Request, context: RampartRequestContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        try await call { try await admin.remove(id) }
        return Response(status: .noContent)
    }

    @Sendable func rotate(_ request: Request, context: RampartRequestContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        let fields = try await body(request, example: #"{"overlap": "24h"}"#, optional: true)
        let endpoint = try await call { try await admin.rotate(id, overlap: try string(fields, "overlap")) }
        return .json(Self.withSecret(endpoint).jsonText)
    }

    // MARK: Helpers

    /// The endpoint with its secret: only in the answers to add and rotate.
    static func withSecret(_ endpoint: WebhookEndpoint) -> JSONValue {
        var json = endpoint.json(at: Date(), redacted: false).objectValue ?? [:]
        json["secret"] = .string(endpoint.secret)
        return .object(json)
    }

    /// The JSON object of the body (an empty body is `{}` when `optional`).
    func body(_ request: Request, example: String, optional: Bool = false) async throws -> [String: JSONValue] {
        let bytes = try await request.collectBody(upTo: maxBodyBytes)
        if optional, bytes.readableBytes == 0 { return [:] }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: bytes)), let object = value.objectValue else {
            throw APIError(.badRequest, code: "invalid_json", "the body must be a JSON object: \(example)")
        }
        return object
    }

    func string(_ fields: [String: JSONValue], _ name: String, required: Bool = false) throws -> String? {
        guard let value = fields[name], value != .null else {
            if required { throw APIError(.unprocessableContent, code: "invalid_input", "\(name): required") }
            return nil
        }
        guard let text = value.stringValue else { throw APIError(.unprocessableContent, code: "invalid_input", "\(name): expected a string") }
        return text
    }

    /// `events` as a string (`"all"`, `"a,b"`) or an array of names.
    func events(_ fields: [String: JSONValue]) throws -> String? {
        if let list = fields["events"]?.arrayValue {
            let names = list.compactMap(\.stringValue)
            guard names.count == list.count else { throw APIError(.unprocessableContent, code: "invalid_input", "events: expected names of events") }
            return names.isEmpty ? "all" : names.joined(separator: ",")
        }
        return try string(fields, "events")
    }

    /// Maps input errors to 422, an unknown id to 404, store failures to 503.
    func call<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as APIError {
            throw error
        } catch let error as RampartError where error.code == .invalidInput {
            throw APIError(.unprocessableContent, code: "invalid_input", error.message)
        } catch let error as RampartError where error.code == .notFound {
            throw APIError(.notFound, code: "not_found", error.message)
        } catch {
            throw APIError.store(error)
        }
    }
}
