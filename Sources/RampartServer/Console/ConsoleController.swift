import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RampartAnalysis
import RampartCore
import RampartStore

/// The console: server-rendered pages for people, signed in with a session (docs/console.md).
///
/// Pages are authorised by the session cookie only; API keys never authorise a page, and sessions never authorise
/// the JSON API (`APIKeyMiddleware` reads no cookie). Every state-changing form carries the session's CSRF token.
/// Viewer sessions read everything and change nothing.
struct ConsoleController: Sendable {
    let store: any ValueDistributionStore & ControlStore
    let sessions: ConsoleSessions
    let health: (any IngestHealthStore)?
    let registry: ExperimentRegistry
    let keys: KeyRing
    let renderer: ConsoleRenderer
    let throttle: SignInThrottle
    let configuration: ConsoleConfiguration
    let maxBodyBytes: Int
    /// The overview's analyses, kept between requests.
    let overviewCache: OverviewCache

    typealias Handler = @Sendable (Request, RampartRequestContext, ConsoleIdentity) async throws -> Response

    func addRoutes(to router: Router<RampartRequestContext>) {
        router.get("/", use: home)
        router.post("/sign-in", use: signIn)
        router.post("/sign-out", use: signedIn(signOut))
        router.get("/static/console.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=300"], body: .init(byteBuffer: ByteBuffer(string: renderer.css)))
        }
        router.get("/static/console.js") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "max-age=300"], body: .init(byteBuffer: ByteBuffer(string: renderer.script)))
        }
        router.get("/experiments/{key}", use: signedIn(experimentPage))
        router.post("/experiments/{key}/ramp", use: signedIn(rampAction))
        router.get("/experiments/{key}/audit", use: signedIn(auditPage))
        router.get("/experiments/{key}/metrics/{metric}/examples", use: signedIn(examplesPage))
        router.get("/audit", use: signedIn(auditPage))
        router.get("/ingest", use: signedIn(ingestPage))
        router.get("/definitions", use: signedIn(definitionsPage))
        router.get("/definitions/new", use: signedIn(definitionEditor))
        router.get("/definitions/{key}", use: signedIn(definitionEditor))
        router.post("/definitions", use: signedIn(saveDefinition))
        router.get("/webhooks", use: signedIn(webhooksPage))
        router.post("/webhooks", use: signedIn(addWebhookForm))
        router.post("/webhooks/{id}/remove", use: signedIn(removeWebhookForm))
        router.post("/webhooks/{id}/rotate", use: signedIn(rotateWebhookForm))
    }

    // MARK: Sessions

    /// The signed-in person of a request, from its session cookie; `nil` without a live session.
    func identity(_ request: Request) async throws -> ConsoleIdentity? {
        guard let token = request.cookies[ConsoleSessions.cookieName]?.value, !token.isEmpty else { return nil }
        return try await sessions.identity(token: token)
    }

    /// Wraps a page handler: requires a session (GET without one goes to the sign-in page, anything else gets
    /// 401), checks the CSRF token of every POST, and renders failures as pages (404, 409, 503, …), never a trace.
    func signedIn(_ handler: @escaping Handler) -> @Sendable (Request, RampartRequestContext) async throws -> Response {
        { request, context in
            var who: ConsoleIdentity?
            do {
                who = try await identity(request)
                guard let identity = who else {
                    if request.method == .get {
                        return Response(status: .seeOther, headers: [.location: "/", .cacheControl: "no-store"])
                    }
                    throw ConsolePageError(status: .unauthorized, title: "Not signed in", message: "Your session has ended or was never started. Sign in again.")
                }
                return try await handler(request, context, identity)
            } catch let error as ConsolePageError {
                return renderer.error(error.status, title: error.title, message: error.message, identity: who, headers: error.headers)
            } catch let error as APIError where error.status == .notFound {
                return renderer.error(.notFound, title: "Not found", message: error.message, identity: who)
            } catch {
                return renderer.error(.serviceUnavailable, title: "The database is unavailable",
                    message: "Rampart cannot read its database right now (\(Self.reason(error))). Flag evaluation keeps answering from memory; try this page again shortly.",
                    identity: who, headers: [.retryAfter: "5"])
            }
        }
    }

    static func reason(_ error: any Error) -> String {
        (error as? RampartError)?.message ?? (error as? APIError)?.message ?? "storage error"
    }

    /// A POST's form fields, after checking its CSRF token against the session's.
    func form(_ request: Request, _ identity: ConsoleIdentity?, requireCSRF: Bool = true) async throws -> FormFields {
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maxBodyBytes)
        } catch let error as APIError where error.status == .contentTooLarge {
            throw ConsolePageError(status: .contentTooLarge, title: "Too large", message: "The form is larger than \(maxBodyBytes) bytes.")
        } catch let error as APIError where error.status == .requestTimeout {
            throw ConsolePageError(status: .requestTimeout, title: "Too slow", message: "The form did not arrive in time. Try again.", headers: [.connection: "close"])
        }
        let fields = FormFields(String(buffer: body))
        if requireCSRF, let identity, !identity.acceptsCSRF(fields["_csrf"]) {
            throw ConsolePageError(status: .forbidden, title: "Form expired", message: "The form's security token is missing or does not match your session (CSRF check). Reload the page and try again.")
        }
        return fields
    }

    /// Refuses a change from a viewer session.
    func requireChange(_ identity: ConsoleIdentity) throws {
        guard identity.canChange else {
            throw ConsolePageError(status: .forbidden, title: "Read-only", message: "You are signed in with a viewer key (\(identity.session.keyName)): viewers read everything and change nothing.")
        }
    }

    @Sendable func home(_ request: Request, context: RampartRequestContext) async throws -> Response {
        let who: ConsoleIdentity?
        do {
            who = try await identity(request)
        } catch {
            return renderer.error(.serviceUnavailable, title: "The database is unavailable", message: "Rampart cannot read its database right now (\(Self.reason(error))). Flag evaluation keeps answering from memory; try again shortly.", identity: nil, headers: [.retryAfter: "5"])
        }
        guard who != nil else { return signInPage(message: nil, status: .ok) }
        return try await signedIn(overviewPage)(request, context)
    }

    func signInPage(message: String?, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        let nonce = ConsoleSessions.newToken()
        var response = renderer.page("signin", title: "Sign in", identity: nil, status: status, values: ["message": message as Any, "signinToken": nonce], headers: headers)
        response.setCookie(sessions.signInCookie(nonce))
        return response
    }

    @Sendable func signIn(_ request: Request, context: RampartRequestContext) async throws -> Response {
        let address = context.remoteAddress?.ipAddress ?? "unknown"
        do {
            if let wait = try await throttle.retryAfter(address) {
                return signInPage(message: "Too many failed sign-ins from your address; try again in \(wait) s.", status: .tooManyRequests, headers: [.retryAfter: String(wait)])
            }
        } catch {
            return signInUnavailable(error)
        }
        let fields: FormFields
        do {
            fields = try await form(request, nil, requireCSRF: false)
        } catch let error as ConsolePageError {
            return renderer.error(error.status, title: error.title, message: error.message, identity: nil)
        }
        let cookie = request.cookies[ConsoleSessions.signInCookieName]?.value
        guard let cookie, let submitted = fields["_csrf"], KeyRing.constantTimeEqual(Array(cookie.utf8), Array(submitted.utf8)) else {
            return signInPage(message: "The sign-in form expired (CSRF check); try again.", status: .forbidden)
        }
        guard let presented = fields.trimmed("key"), let key = keys.key(matching: presented) else {
            // A failure that cannot be recorded is not answered (no unthrottled guessing while the store is down).
            do { try await throttle.fail(address) } catch { return signInUnavailable(error) }
            return signInPage(message: "That key is not valid.", status: .unauthorized)
        }
        guard key.scope == .admin || key.scope == .viewer else {
            do { try await throttle.fail(address) } catch { return signInUnavailable(error) }
            return signInPage(message: "An SDK key cannot sign in to the console; use an admin or viewer key.", status: .forbidden)
        }
        do {
            let started = try await sessions.start(for: key)
            var response = Response(status: .seeOther, headers: [.location: "/", .cacheControl: "no-store"])
            response.setCookie(sessions.cookie(started.token))
            response.setCookie(sessions.signInCookie(""))
            return response
        } catch {
            return signInUnavailable(error)
        }
    }

    /// The 503 page of a sign-in the store cannot serve (sessions and the sign-in throttle live there).
    func signInUnavailable(_ error: any Error) -> Response {
        renderer.error(.serviceUnavailable, title: "The database is unavailable", message: "Signing in needs the database (\(Self.reason(error))); try again shortly.", identity: nil, headers: [.retryAfter: "5"])
    }

    @Sendable func signOut(_ request: Request, context: RampartRequestContext, identity: ConsoleIdentity) async throws -> Response {
        _ = try await form(request, identity)
        try await sessions.end(identity)
        var response = Response(status: .seeOther, headers: [.location: "/", .cacheControl: "no-store"])
        response.setCookie(sessions.clearedCookie())
        return response
    }

    // MARK: Helpers

    func rollout(_ context: RampartRequestContext) async throws -> RolloutState {
        let key = context.parameters.get("key") ?? ""
        guard let state = try await store.rollout(key) else {
            throw ConsolePageError(status: .notFound, title: "No such experiment", message: "There is no experiment '\(key)'.")
        }
        return state
    }

    static func date(_ d: Date?) -> String {
        d.map(ReportFormat.date) ?? "—"
    }
}
