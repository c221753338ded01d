import Foundation
import HTTPTypes
import Hummingbird
import RampartAnalysis
import RampartCore
import RampartStore

/// The console's Webhooks page: endpoints with their latest delivery, failures and recent deliveries; admins add,
/// remove and rotate through forms (CSRF-checked; a new secret is shown once, on the page that answers the form; a
/// form sent twice, e.g. by a reload, changes nothing the second time: ``WebhookAdmin`` "+Forms").
/// The logic is the API's (``WebhookAdmin``); viewers see URLs redacted and no forms.
extension ConsoleController {
    static let webhookDeliveriesShown = 50

    /// The store's webhooks, or a page error when the store keeps none.
    func webhookAdmin() throws -> WebhookAdmin {
        guard let webhooks = store as? any WebhookStore else {
            throw ConsolePageError(status: .notFound, title: "No webhooks", message: "This store does not keep webhooks.")
        }
        return WebhookAdmin(store: webhooks)
    }

    @Sendable func webhooksPage(_ request: Request, context: RampartRequestContext, identity: ConsoleIdentity) async throws -> Response {
        try await renderWebhooks(identity)
    }

    /// The page, with a message and, after add or rotate, the secret shown once.
    func renderWebhooks(_ identity: ConsoleIdentity, status: HTTPResponse.Status = .ok, message: String? = nil, error: String? = nil,
                        secret: (id: String, secret: String)? = nil, form: FormFields? = nil) async throws -> Response {
        let admin = try webhookAdmin()
        let redacted = !identity.canChange, now = Date()
        let listed = try await admin.list()
        let deliveries = try await admin.deliveries(limit: Self.webhookDeliveriesShown)
        func url(_ endpoint: WebhookEndpoint) -> String { redacted ? endpoint.redactedURL : endpoint.url }
        let endpoints: [[String: Any]] = listed.map { item in
            let e = item.endpoint
            return ConsoleRenderer.compact([
                "id": e.id, "url": url(e), "experiment": e.experiment ?? "every experiment", "events": e.eventList.replacingOccurrences(of: ",", with: ", "),
                "created": ReportFormat.date(e.createdAt),
                "rotatingUntil": (e.isRotating(at: now) ? e.previousSecretUntil.map(ReportFormat.date) : nil) as Any,
                "last": item.last.map { Self.webhookDeliveryRow($0, redacted: redacted) } as Any,
                "lastFailed": item.last.map { $0.status == .failed || $0.lastError != nil } ?? false,
                "fingerprint": (redacted ? nil : WebhookAdmin.fingerprint(of: e.secret)) as Any,
            ])
        }
        let rows = deliveries.map { d -> [String: Any] in
            var row = Self.webhookDeliveryRow(d, redacted: redacted)
            row["url"] = url(d.endpoint)
            return row
        }
        let failures = deliveries.filter { $0.status == .failed || ($0.status == .pending && $0.lastError != nil) }.map { Self.webhookDeliveryRow($0, redacted: redacted) }
        return renderer.page("webhooks", title: "Webhooks", identity: identity, status: status, values: [
            "endpoints": endpoints, "noEndpoints": endpoints.isEmpty, "deliveries": rows, "noDeliveries": rows.isEmpty,
            "failures": failures, "hasFailures": !failures.isEmpty, "redacted": redacted,
            "pageMessage": message as Any, "pageError": error as Any,
            "newSecret": secret.map { ["id": $0.id, "secret": $0.secret] } as Any,
            "formURL": form?["url"] ?? "", "formExperiment": form?["experiment"] ?? "", "formEvents": form?["events"] ?? "all",
            // A form that added nothing keeps its id; any other page offers a new one.
            "formID": form?["id"].flatMap { WebhookCredentials.isID($0) ? $0 : nil } ?? WebhookCredentials.newID(),
        ])
    }

    /// One delivery as the page shows it.
    ///
    /// - Parameters:
    ///   - d: The delivery.
    ///   - redacted: Whether the reader is a viewer (``WebhookDelivery/lastError(redacted:)``).
    static func webhookDeliveryRow(_ d: WebhookDelivery, redacted: Bool) -> [String: Any] {
        ConsoleRenderer.compact([
            "id": d.id, "webhook": d.endpoint.id, "type": d.event.kind.rawValue, "experiment": d.event.experiment, "status": d.status.rawValue,
            "attempts": d.attempts, "answer": d.lastStatus.map { "HTTP \($0)" } ?? (d.attempts == 0 ? "—" : "no answer"),
            "error": d.lastError(redacted: redacted) as Any, "created": ReportFormat.date(d.event.at),
            "when": d.status == .pending ? "next attempt " + ReportFormat.date(d.nextAttemptAt) : d.finishedAt.map(ReportFormat.date) ?? "",
        ])
    }

    /// Runs an admin's form: CSRF first, then the scope; input errors re-render the page with 422 and the message.
    func webhookForm(_ request: Request, _ identity: ConsoleIdentity,
                     _ body: (FormFields, WebhookAdmin) async throws -> Response) async throws -> Response {
        let fields = try await form(request, identity)
        try requireChange(identity)
        let admin = try webhookAdmin()
        do {
            return try await body(fields, admin)
        } catch let error as RampartError where error.code == .invalidInput {
            return try await renderWebhooks(identity, status: .unprocessableContent, error: error.message + "; nothing was changed.", form: fields)
        } catch let error as RampartError where error.code == .notFound {
            return try await renderWebhooks(identity, status: .notFound, error: error.message + "; it may have been removed meanwhile.")
        }
    }

    /// Adds the endpoint under the id the form was shown with: the same form sent again (a reload) adds nothing.
    @Sendable func addWebhookForm(_ request: Request, context: RampartRequestContext, identity: ConsoleIdentity) async throws -> Response {
        try await webhookForm(request, identity) { fields, admin in
            let id = fields.trimmed("id") ?? ""
            guard let endpoint = try await admin.add(id: id, url: fields["url"] ?? "", experiment: fields.trimmed("experiment"), events: fields.trimmed("events")) else {
                return try await renderWebhooks(identity, message: "Webhook \(id) was already added by this form (it was sent again, e.g. by a reload); nothing was changed. "
                    + "Its secret was shown once, when it was added: rotate it for a new one.")
            }
            return try await renderWebhooks(identity, status: .created, message: "Added webhook \(endpoint.id).", secret: (endpoint.id, endpoint.secret))
        }
    }

    @Sendable func removeWebhookForm(_ request: Request, context: RampartRequestContext, identity: ConsoleIdentity) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        return try await webhookForm(request, identity) { _, admin in
            try await admin.remove(id)
            return try await renderWebhooks(identity, message: "Removed webhook \(id) and its pending deliveries.")
        }
    }

    @Sendable func rotateWebhookForm(_ request: Request, context: RampartRequestContext, identity: ConsoleIdentity) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        return try await webhookForm(request, identity) { fields, admin in
            guard let endpoint = try await admin.rotate(id, overlap: fields.trimmed("overlap"), replacing: fields.trimmed("secret")) else {
                return try await renderWebhooks(identity, status: .conflict, error: "The secret of \(id) was rotated since this form was shown "
                    + "(it was sent again, e.g. by a reload, or by someone else); nothing was changed.")
            }
            let until = endpoint.previousSecretUntil.map { "the old secret also signs until \(ReportFormat.date($0))" } ?? "the old secret no longer signs"
            return try await renderWebhooks(identity, message: "Rotated the secret of \(id); \(until).", secret: (endpoint.id, endpoint.secret))
        }
    }
}
