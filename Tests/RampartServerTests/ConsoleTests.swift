import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import RampartCore
import RampartStore
@testable import RampartServer

@Suite("Console: sessions, CSRF, scopes")
struct ConsoleSessionTests {
    @Test func signInSetsAHashedSessionWithAStrictHttpOnlyCookie() async throws {
        let store = try await TestServer.store(experiments: try TestServer.experiments(coverage: nil))
        let app = try await TestServer.consoleApplication(store: store, console: ConsoleConfiguration(sessionTTL: 3600))
        try await app.test(.router) { client in
            var browser = ConsoleBrowser(client)
            let signInPage = try await browser.get("/")
            #expect(signInPage.status == .ok)
            #expect(String(buffer: signInPage.body).contains("Sign in to Rampart"))
            let response = try await browser.signIn(TestServer.adminKey)
            #expect(response.status == .seeOther)
            let cookie = try #require(response.headers[values: .setCookie].first { $0.hasPrefix("rampart_session=") })
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))
            #expect(!cookie.contains("Secure"))
            let token = try #require(browser.cookies["rampart_session"])
            #expect(token.count == 64)
            // Stored hashed: found by the token's SHA-256, never by the token itself.
            let hashed = try #require(try await store.session(tokenHash: Array(SHA256.hash(data: Data(token.utf8))), now: Date()))
            #expect(hashed.keyName == "bootstrap admin key")
            #expect(abs(hashed.expiresAt.timeIntervalSince(hashed.createdAt) - 3600) < 1)
            #expect(try await store.session(tokenHash: Array(token.utf8), now: Date()) == nil)
            let overview = try await browser.get("/")
            #expect(String(buffer: overview.body).contains("support-answer-prompt"))
        }
    }

    @Test func theCookieIsSecureBehindTLS() async throws {
        let app = try await TestServer.consoleApplication(store: try await TestServer.store(experiments: try TestServer.experiments(coverage: nil)), console: ConsoleConfiguration(behindTLS: true))
        try await app.test(.router) { client in
            var browser = ConsoleBrowser(client)
            let response = try await browser.signIn(TestServer.adminKey)
            let cookie = try #require(response.headers[values: .setCookie].first { $0.hasPrefix("rampart_session=") })
            #expect(cookie.contains("Secure"))
        }
    }

    /// The server refuses a session past its expiry. The session is made to expire in the store rather than by
    /// waiting out a short lifetime: under a loaded CI machine, signing in and the first page once took longer than
    /// the 3 s lifetime this test used to give, and the first page was refused too.
    @Test func anExpiredSessionNoLongerWorks() async throws {
        let store = try await TestServer.store(experiments: try TestServer.experiments(coverage: nil))
        let app = try await TestServer.consoleApplication(store: store, console: ConsoleConfiguration(sessionTTL: 3600))
        try await app.test(.router) { client in
            var browser = ConsoleBrowser(client)
            try await browser.signIn(TestServer.adminKey)
            let r1 = try await browser.get("/audit")
            #expect(r1.status == .ok)
            let hash = Array(SHA256.hash(data: Data(try #require(browser.cookies["rampart_session"]).utf8)))
            var session = try #require(try await store.session(tokenHash: hash, now: Date()))
            session.expiresAt = Date().addingTimeInterval(-1)
            try await store.deleteSession(tokenHash: hash)
            try await store.insertSession(session)
            let after = try await browser.get("/audit")
            #expect(after.status == .seeOther)
            #expect(after.headers[.location] == "/")
        }
    }

    @Test func signOutEndsTheSessionOnTheServer() async throws {
        let store = try await TestServer.store(experiments: try TestServer.experiments(coverage: nil))
        let app = try await TestServer.consoleApplication(store: store)
        try await app.test(.router) { client in
            var browser = ConsoleBrowser(client)
            try await browser.signIn(TestServer.adminKey)
            let token = try #require(browser.cookies["rampart_session"])
            let csrf = try await browser.csrf()
            let r2 = try await browser.post("/sign-out", [("_csrf", csrf)])
            #expect(r2.status == .seeOther)
            #expect(try await store.session(tokenHash: Array(SHA256.hash(data: Data(token.utf8))), now: Date()) == nil)
            // The old cookie, replayed, is refused.
            browser.cookies["rampart_session"] = token
            let r3 = try await browser.get("/audit")
            #expect(r3.status == .seeOther)
        }
    }

    @Test func signOutWithoutTheCSRFTokenIsRefused() async throws {
        let app = try await TestServer.consoleApplication(store: try await TestServer.store(experiments: try TestServer.experiments(coverage: nil)))
        try await app.test(.router) { client in
            var browser = ConsoleBrowser(client)
            try await browser.signIn(TestServer.adminKey)
            let r4 = try await browser.post("/sign-out", [])
            #expect(r4.status == .forbidden)
            let r5 = try await browser.get("/audit")
            #expect(r5.status == .ok)
        }
    }

    @Test func aRampFormWithoutOrWithAWrongCSRFTokenChangesNothing() async throws {
        let store = try await TestServer.store(experiments: try TestServer.experiments(coverage: nil))
        let app = try await TestServer.consoleApplication(store: store)
        try await app.test(.router) { client in
            var browser = ConsoleBrowser(client)
            try await browser.signIn(TestServer.adminKey)
            let before = try #require(try await store.rollout("support-answer-prompt"))
            for csrf in [nil, "0123abcd"] as [String?] {
                var form = [("action", "pause"), ("revision", String(before.revision))]
                if let csrf { form.append(("_csrf", csrf)) }
                let response = try await browser.post("/experiments/support-answer-prompt/ramp", form)
                #expect(response.status == .forbidden)
                #expect(String(buffer: response.body).contains("CSRF"))
            }
            #expect(try await store.rollout("support-answer-prompt")?.revision == before.revision)
        }
    }

    @Test func fiveFailedSignInsFromOneAddressGet429WithRetryAfter() async throws {
        let app = try await TestServer.consoleApplication(store: try await TestServer.store(experiments: try TestServer.experiments(coverage: nil)))
        try await app.test(.router) { client in
            var browser = ConsoleBrowser(client)
            for _ in 0..<5 {
                let r6 = try await browser.signIn("rk_admin_wrongwrongwrongwrongwrong")
                #expect(r6.status == .unauthorized)
            }
            let limited = try await browser.signIn(TestServer.adminKey)
            #expect(limited.status == .tooManyRequests)
            let wait = try #require(limited.headers[.retryAfter].flatMap(Int.init))
            #expect(wait >= 1 && wait <= 60)
            #expect(browser.cookies["rampart_session"] == nil)
        }
    }

    /// The throttle lives in the store: failures on one replica count on another over the same database.
    @Test func failedSignInsCountAcrossTwoReplicasOnOneStore() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-replicas-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("rampart.db").path
        let first = try SQLiteEventStore(path: path, configuration: .init(cacheSizeMiB: 8))
        try await first.seed(try TestServer.experiments(coverage: nil))
        let second = try SQLiteEventStore(path: path, configuration: .init(cacheSizeMiB: 8))
        let replicaA = try await TestServer.consoleApplication(store: first)
        let replicaB = try await TestServer.consoleApplication(store: second)
        try await replicaA.test(.router) { clientA in
            try await replicaB.test(.router) { clientB in
                var browserA = ConsoleBrowser(clientA), browserB = ConsoleBrowser(clientB)
                for i in 0..<5 {
                    let failed = try await (i % 2 == 0 ? browserA.signIn("rk_admin_wrongwrongwrongwrongwrong") : browserB.signIn("rk_admin_wrongwrongwrongwrongwrong"))
                    #expect(failed.status == .unauthorized)
                }
                // Three failures on A and two on B: each replica alone is under the limit, together they reach it.
                for browser in [browserA, browserB] {
                    var browser = browser
                    let limited = try await browser.signIn(TestServer.adminKey)
                    #expect(limited.status == .tooManyRequests)
                    #expect(browser.cookies["rampart_session"] == nil)
                }
            }
        }
    }

    @Test func anSDKKeyCannotSignIn() async throws {
        let app = try await TestServer.consoleApplication(store: try await TestServer.store(experiments: try TestServer.experiments(coverage: nil)))
        try await app.test(.router) { client in
            var browser = ConsoleBrowser(client)
            let r7 = try await browser.signIn(TestServer.sdkKey)
            #expect(r7.status == .forbidden)
            #expect(browser.cookies["rampart_session"] == nil)
        }
    }

    @Test func theSignInFormNeedsItsOwnToken() async throws {
        let app = try await TestServer.consoleApplication(store: try await TestServer.store(experiments: try TestServer.experiments(coverage: nil)))
        try await app.test(.router) { client in
            var browser = ConsoleBrowser(client)
            let response = try await browser.post("/sign-in", [("key", TestServer.adminKey)])
            #expect(response.status == .forbidden)
            #expect(browser.cookies["rampart_session"] == nil)
        }
    }

    @Test func sessionsAndAPIKeysAreKeptApart() async throws {
        let app = try await TestServer.consoleApplication(store: try await TestServer.store(experiments: try TestServer.experiments(coverage: nil)))
        try await app.test(.router) { client in
            var browser = ConsoleBrowser(client)
            try await browser.signIn(TestServer.adminKey)
            // A session cookie does not authorise the JSON API.
            let r8 = try await browser.get("/v1/experiments")
            #expect(r8.status == .unauthorized)
            // An API key does not authorise a page.
            let page = try await client.execute(uri: "/audit", method: .get, headers: TestServer.admin())
            #expect(page.status == .seeOther)
            let home = try await client.execute(uri: "/", method: .get, headers: TestServer.admin())
            #expect(String(buffer: home.body).contains("Sign in to Rampart"))
        }
    }

    @Test func viewerKeysReadTheAPIButChangeNothing() async throws {
        let app = try await TestServer.consoleApplication(store: try await TestServer.store(experiments: try TestServer.experiments(coverage: nil)))
        try await app.test(.router) { client in
            let viewer: HTTPFields = [.authorization: "Bearer \(TestServer.viewerKey)", .contentType: "application/json"]
            #expect(try await client.execute(uri: "/v1/experiments", method: .get, headers: viewer).status == .ok)
            #expect(try await client.execute(uri: "/v1/experiments/support-answer-prompt/results", method: .get, headers: viewer).status == .ok)
            #expect(try await client.execute(uri: "/v1/experiments/support-answer-prompt/audit", method: .get, headers: viewer).status == .ok)
            let ramp = try await client.execute(uri: "/v1/experiments/support-answer-prompt/ramp", method: .post, headers: viewer, body: ByteBuffer(string: #"{"action":"pause"}"#))
            #expect(ramp.status == .forbidden)
            #expect(ramp.json?["error"]?["code"]?.stringValue == "wrong_scope")
            let create = try await client.execute(uri: "/v1/experiments", method: .post, headers: viewer, body: ByteBuffer(string: "{}"))
            #expect(create.status == .forbidden)
            let evaluate = try await client.execute(uri: "/ofrep/v1/evaluate/flags/support-answer-prompt", method: .post, headers: viewer, body: ByteBuffer(string: #"{"context":{"targetingKey":"u"}}"#))
            #expect(evaluate.status == .forbidden)
        }
    }

    @Test func aViewerSessionSeesNoButtonsAndIsRefusedOnTheServer() async throws {
        let store = try await TestServer.store(experiments: try TestServer.experiments(coverage: nil))
        let app = try await TestServer.consoleApplication(store: store)
        try await app.test(.router) { client in
            var browser = ConsoleBrowser(client)
            let r9 = try await browser.signIn(TestServer.viewerKey)
            #expect(r9.status == .seeOther)
            let page = String(buffer: try await browser.get("/experiments/support-answer-prompt").body)
            #expect(page.contains("pat the viewer"))
            #expect(!page.contains("id=\"ramp-form\""))
            #expect(!page.contains("action-advance"))
            let before = try #require(try await store.rollout("support-answer-prompt"))
            let csrf = try await browser.csrf()
            let forged = try await browser.post("/experiments/support-answer-prompt/ramp", [("_csrf", csrf), ("action", "pause"), ("revision", String(before.revision))])
            #expect(forged.status == .forbidden)
            #expect(try await store.rollout("support-answer-prompt")?.experiment.status == before.experiment.status)
            #expect(try await store.auditEntries("support-answer-prompt").count == (try await store.auditEntries("support-answer-prompt")).count)
            let definition = try await browser.post("/definitions", [("_csrf", csrf), ("definition", "key: x")])
            #expect(definition.status == .forbidden)
        }
    }
}

@Suite("Console: pages")
struct ConsolePageTests {
    static func signedIn(_ client: any TestClientProtocol, key: String = TestServer.adminKey) async throws -> ConsoleBrowser {
        var browser = ConsoleBrowser(client)
        try await browser.signIn(key)
        return browser
    }

    /// An admin signed in on the page at `path`, with the page and its forms' CSRF token and revision.
    static func onForm(_ client: any TestClientProtocol, _ path: String) async throws -> (browser: ConsoleBrowser, page: String, csrf: String, revision: String) {
        var browser = try await signedIn(client)
        let page = String(buffer: try await browser.get(path).body)
        return (browser, page, try #require(ConsoleBrowser.field("_csrf", in: page)), try #require(ConsoleBrowser.field("revision", in: page)))
    }

    @Test func theOverviewListsEveryExperimentWithItsVerdictAndFilters() async throws {
        let store = try await TestServer.store(experiments: try TestServer.experiments(coverage: nil))
        let app = try await TestServer.consoleApplication(store: store)
        try await app.test(.router) { client in
            var browser = try await Self.signedIn(client)
            let page = String(buffer: try await browser.get("/").body)
            for key in ["support-answer-prompt", "triage-model-swap"] { #expect(page.contains("data-key=\"\(key)\"")) }
            #expect(page.contains("class=\"badge verdict-"))
            #expect(page.contains("stage 1 of"))
            let held = String(buffer: try await browser.get("/?verdict=SHIP").body)
            #expect(!held.contains("data-key=\"support-answer-prompt\""))
            #expect(held.contains("<option value=\"SHIP\" selected>"))
            let paused = String(buffer: try await browser.get("/?status=paused").body)
            #expect(paused.contains("No experiment matches."))
        }
    }

    @Test func advanceIsRefusedInThePolicysWordsThenForcedWithAReasonAndAudited() async throws {
        let store = try await TestServer.store(experiments: try TestServer.experiments(coverage: nil))
        let app = try await TestServer.consoleApplication(store: store)
        try await app.test(.router) { client in
            var browser = try await Self.signedIn(client)
            let page = String(buffer: try await browser.get("/experiments/support-answer-prompt").body)
            let csrf = try #require(ConsoleBrowser.field("_csrf", in: page))
            let revision = try #require(ConsoleBrowser.field("revision", in: page))
            #expect(page.contains("id=\"action-advance\""))
            let refused = try await browser.post("/experiments/support-answer-prompt/ramp", [("_csrf", csrf), ("revision", revision), ("action", "advance")])
            #expect(refused.status == .conflict)
            let refusal = String(buffer: refused.body)
            #expect(refusal.contains("the verdict is HOLD"))
            #expect(refusal.contains("id=\"force-form\""))
            let noReason = try await browser.post("/experiments/support-answer-prompt/ramp", [("_csrf", csrf), ("revision", revision), ("action", "advance"), ("force", "on"), ("reason", " ")])
            #expect(noReason.status == .unprocessableContent)
            let forced = try await browser.post("/experiments/support-answer-prompt/ramp", [("_csrf", csrf), ("revision", revision), ("action", "advance"), ("force", "on"), ("reason", "launch review signed off")])
            #expect(forced.status == .seeOther)
            // The overview's cached analysis follows the change at once (the revision moved).
            let overview = String(buffer: try await browser.get("/").body)
            #expect(overview.contains("stage 2 of 5"))
            let entry = try #require(try await store.auditEntries("support-answer-prompt").last)
            #expect(entry.action == "advance" && entry.forced && entry.actor == "bootstrap admin key" && entry.reason == "launch review signed off")
            // The same form again carries the old revision: refused, never applied twice.
            let replay = try await browser.post("/experiments/support-answer-prompt/ramp", [("_csrf", csrf), ("revision", revision), ("action", "advance"), ("force", "on"), ("reason", "launch review signed off")])
            #expect(replay.status == .conflict)
            #expect(String(buffer: replay.body).contains("changed by bootstrap admin key at"))
            #expect(try await store.auditEntries("support-answer-prompt").filter { $0.action == "advance" }.count == 1)
            let audit = String(buffer: try await browser.get("/experiments/support-answer-prompt/audit").body)
            #expect(audit.contains("launch review signed off"))
            #expect(audit.contains("(forced)"))
        }
    }

    /// Found by QA in session 29: the force form dropped the variant, so a multi-arm experiment could not be
    /// force-shipped; a shipped experiment still offered every ramp button; and any `?done=` link showed a notice.
    @Test func aMultiArmExperimentIsForceShippedWithItsVariantAndThenOffersNoButtons() async throws {
        var experiments = try TestServer.experiments(coverage: nil)
        let index = try #require(experiments.firstIndex { $0.key == "support-answer-prompt" })
        var third = experiments[index].variants[1]
        third.key = "treatment-b"
        experiments[index].variants = experiments[index].variants.map { var v = $0; v.weight = 1.0 / 3; return v } + [{ var v = third; v.weight = 1.0 / 3; return v }()]
        let store = try await TestServer.store(experiments: experiments)
        let app = try await TestServer.consoleApplication(store: store)
        try await app.test(.router) { client in
            let form = try await Self.onForm(client, "/experiments/support-answer-prompt")
            var browser = form.browser
            let (csrf, revision) = (form.csrf, form.revision)
            let spoofed = String(buffer: try await browser.get("/experiments/support-answer-prompt?done=ship").body)
            #expect(!spoofed.contains("id=\"notice\""), "a ?done= link announces nothing that is not in the audit log")
            let refused = try await browser.post("/experiments/support-answer-prompt/ramp", [("_csrf", csrf), ("revision", revision), ("action", "ship"), ("variant", "treatment-b")])
            #expect(refused.status == .conflict)
            let refusal = String(buffer: refused.body)
            #expect(refusal.contains("id=\"force-form\""))
            // The force form as the page renders it: its hidden fields, the reason typed in.
            let formStart = try #require(refusal.range(of: "id=\"force-form\""))
            let forceForm = String(refusal[formStart.lowerBound...].prefix(2_000))
            #expect(ConsoleBrowser.field("variant", in: forceForm) == "treatment-b")
            let forced = try await browser.post("/experiments/support-answer-prompt/ramp", [
                ("_csrf", csrf), ("revision", revision), ("action", "ship"), ("force", "on"), ("variant", try #require(ConsoleBrowser.field("variant", in: forceForm))),
                ("reason", "shipping b on the launch review's call"),
            ])
            #expect(forced.status == .seeOther)
            let location = try #require(forced.headers[.location])
            let shipped = try #require(try await store.rollout("support-answer-prompt")).experiment
            #expect(shipped.status == .shipped && shipped.shippedVariant == "treatment-b")
            let after = String(buffer: try await browser.get(location).body)
            #expect(after.contains("id=\"notice\"") && after.contains("Done: ship"))
            #expect(!after.contains("id=\"ramp-form\"") && !after.contains("id=\"action-"), "a shipped experiment offers no ramp buttons")
        }
    }

    @Test func rollBackPauseAndResumeGoThroughTheGuardedTransitions() async throws {
        let store = try await TestServer.store(experiments: try TestServer.experiments(coverage: nil))
        let app = try await TestServer.consoleApplication(store: store)
        try await app.test(.router) { client in
            var browser = try await Self.signedIn(client)
            for action in ["pause", "resume", "rollback"] {
                let page = String(buffer: try await browser.get("/experiments/triage-model-swap").body)
                let form = [("_csrf", ConsoleBrowser.field("_csrf", in: page) ?? ""), ("revision", ConsoleBrowser.field("revision", in: page) ?? ""), ("action", action)]
                let response = try await browser.post("/experiments/triage-model-swap/ramp", form)
                #expect(response.status == .seeOther, "\(action)")
            }
            #expect(try await store.rollout("triage-model-swap")?.experiment.status == .stopped)
            #expect(try await store.auditEntries("triage-model-swap").suffix(3).map(\.action) == ["pause", "resume", "rollback"])
            // A stopped experiment offers no ramp buttons; a form posted anyway is refused by the state, with the
            // transition's words.
            let page = String(buffer: try await browser.get("/experiments/triage-model-swap").body)
            #expect(!page.contains("id=\"ramp-form\""))
            let revision = try #require(try await store.rollout("triage-model-swap")).revision
            let refused = try await browser.post("/experiments/triage-model-swap/ramp", [("_csrf", ConsoleBrowser.field("_csrf", in: page) ?? ""), ("revision", String(revision)), ("action", "resume")])
            #expect(refused.status == .conflict)
            #expect(String(buffer: refused.body).contains("only a paused experiment can resume"))
        }
    }

    @Test func namesFromTheDatabaseAreEscaped() async throws {
        var experiments = try TestServer.experiments(coverage: nil)
        var hostile = experiments[0]
        hostile.key = "xss-test"
        hostile.name = "<script>alert(1)</script>"
        hostile.metrics[0].name = #"Rate "quoted" & 'single'"#
        experiments.append(hostile)
        let store = try await TestServer.store(experiments: experiments)
        let app = try await TestServer.consoleApplication(store: store)
        try await app.test(.router) { client in
            var browser = try await Self.signedIn(client)
            for uri in ["/", "/experiments/xss-test", "/definitions", "/definitions/xss-test"] {
                let page = String(buffer: try await browser.get(uri).body)
                #expect(!page.contains("<script>alert(1)</script>"), "\(uri)")
                #expect(!page.contains(#""quoted""#), "\(uri)")
            }
            let overview = String(buffer: try await browser.get("/").body)
            #expect(overview.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            let experiment = String(buffer: try await browser.get("/experiments/xss-test").body)
            #expect(experiment.contains("Rate &quot;quoted&quot; &amp; &#39;single&#39;"))
        }
    }

    @Test func anUnknownExperimentIsA404Page() async throws {
        let app = try await TestServer.consoleApplication(store: try await TestServer.store(experiments: try TestServer.experiments(coverage: nil)))
        try await app.test(.router) { client in
            var browser = try await Self.signedIn(client)
            for uri in ["/experiments/nope", "/experiments/nope/audit", "/definitions/nope"] {
                let response = try await browser.get(uri)
                #expect(response.status == .notFound, "\(uri)")
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                #expect(String(buffer: response.body).contains("There is no experiment"))
            }
        }
    }

    @Test func viewAsOfReplaysThePastAndHidesTheControls() async throws {
        let app = try await TestServer.consoleApplication(store: try await TestServer.store(experiments: try TestServer.experiments(coverage: nil)))
        try await app.test(.router) { client in
            var browser = try await Self.signedIn(client)
            let page = String(buffer: try await browser.get("/experiments/support-answer-prompt?as_of=2026-06-10T00:00").body)
            #expect(page.contains("as of 2026-06-10T00:00:00Z"))
            #expect(!page.contains("id=\"ramp-form\""))
            let r10 = try await browser.get("/experiments/support-answer-prompt?as_of=yesterday")
            #expect(r10.status == .badRequest)
        }
    }

    @Test func theAuditLogIsNewestFirstAndPaged() async throws {
        let store = try await TestServer.store(experiments: try TestServer.experiments(coverage: nil))
        var state = try #require(try await store.rollout("support-answer-prompt"))
        let start = Date(timeIntervalSince1970: 1_780_000_000)
        for i in 0..<60 {
            state.revision += 1
            try await store.save(state, audit: AuditEntry(experiment: state.experiment.key, action: "note", actor: "tester", at: start.addingTimeInterval(Double(i)), from: "a", to: "b", verdict: "HOLD", reason: "entry \(i)", forced: false))
        }
        let app = try await TestServer.consoleApplication(store: store)
        try await app.test(.router) { client in
            var browser = try await Self.signedIn(client)
            let first = String(buffer: try await browser.get("/audit").body)
            let newest = try #require(first.range(of: "entry 59"))
            let older = try #require(first.range(of: "entry 58"))
            #expect(newest.lowerBound < older.lowerBound)
            #expect(!first.contains("entry 5<"))
            #expect(first.contains("page 1 of 2"))
            let second = String(buffer: try await browser.get("/audit?page=2").body)
            #expect(second.contains("entry 0<"))
            #expect(!second.contains("entry 59"))
        }
    }

    @Test func theIngestPageShowsVolumeLatestEventsAndRejectionsWithoutPayloads() async throws {
        let store = try await TestServer.store(experiments: try TestServer.experiments(coverage: nil))
        let app = try await TestServer.consoleApplication(store: store)
        let now = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-120))
        try await app.test(.router) { client in
            let good = #"{"uuid":"6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e5f","event":"llm_request_completed","unit":"user-1","timestamp":"\#(now)","properties":{"latency_ms":812}}"#
            let bad = #"{"uuid":"8f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e5f","event":"llm_request_completed","unit":"user-2","timestamp":"\#(now)","properties":{"latency_ms":"secret-payload-text"}}"#
            let ingest = try await client.execute(uri: "/v1/events", method: .post, headers: TestServer.sdk(), body: ByteBuffer(string: "[\(good),\(bad)]"))
            #expect(ingest.status == .ok)
            var browser = try await Self.signedIn(client)
            let page = String(buffer: try await browser.get("/ingest").body)
            #expect(page.contains("<code>llm_request_completed</code>"))
            #expect(page.contains("1 in the last hour"))
            #expect(page.contains("properties.latency_ms"))
            #expect(!page.contains("secret-payload-text"))
            let rejections = try await store.recentRejections(limit: 5)
            #expect(rejections.count == 1 && rejections[0].index == 1 && rejections[0].field == "properties.latency_ms")
        }
    }

    @Test func definitionsShowTheValidatorsProblemsAndSaveThroughTheAPIRules() async throws {
        let store = try await TestServer.store(experiments: try TestServer.experiments(coverage: nil))
        let app = try await TestServer.consoleApplication(store: store)
        try await app.test(.router) { client in
            var browser = try await Self.signedIn(client)
            let editor = String(buffer: try await browser.get("/definitions/support-answer-prompt").body)
            let csrf = try #require(ConsoleBrowser.field("_csrf", in: editor))
            let revision = try #require(ConsoleBrowser.field("revision", in: editor))
            #expect(editor.contains("&quot;key&quot; : &quot;support-answer-prompt&quot;") || editor.contains("&quot;key&quot;: &quot;support-answer-prompt&quot;"))
            let broken = try await browser.post("/definitions", [("_csrf", csrf), ("definition", "key: broken\nname: Broken\ncolour: red\n")])
            #expect(broken.status == .unprocessableContent)
            let problems = String(buffer: broken.body)
            #expect(problems.contains("id=\"problems\""))
            #expect(problems.contains("<code>colour</code>"))
            // A change that would move units is refused, as PUT refuses it.
            var current = try #require(try await store.rollout("support-answer-prompt")).experiment
            current.salt = "reshuffled"
            let reshuffle = try await browser.post("/definitions", [("_csrf", csrf), ("key", "support-answer-prompt"), ("revision", revision), ("definition", current.fileFormat.jsonText)])
            #expect(reshuffle.status == .conflict)
            #expect(String(buffer: reshuffle.body).contains("new phase"))
            var renamed = try #require(try await store.rollout("support-answer-prompt")).experiment
            renamed.name = "Renamed in the console"
            let saved = try await browser.post("/definitions", [("_csrf", csrf), ("key", "support-answer-prompt"), ("revision", revision), ("definition", renamed.fileFormat.jsonText)])
            #expect(saved.status == .seeOther)
            #expect(try await store.rollout("support-answer-prompt")?.experiment.name == "Renamed in the console")
            #expect(try await store.auditEntries("support-answer-prompt").last?.actor == "bootstrap admin key")
        }
    }

    /// Found by QA in session 29: the page shown again after an error lost `revision`, so the next save skipped the
    /// stale-edit check (as did a POST without it); changing `key` created a second experiment; and the new-experiment
    /// form overwrote an existing one.
    @Test func aDefinitionSaveNeverOverwritesWhatItDidNotSee() async throws {
        let store = try await TestServer.store(experiments: try TestServer.experiments(coverage: nil))
        let app = try await TestServer.consoleApplication(store: store)
        try await app.test(.router) { client in
            let form = try await Self.onForm(client, "/definitions/support-answer-prompt")
            var browser = form.browser
            let (csrf, revision) = (form.csrf, form.revision)
            var experiment = try #require(try await store.rollout("support-answer-prompt")).experiment
            let before = try #require(try await store.rollout("support-answer-prompt")).revision

            // An error page keeps the key and the revision in its form.
            let broken = try await browser.post("/definitions", [("_csrf", csrf), ("key", "support-answer-prompt"), ("revision", revision), ("definition", "key: support-answer-prompt\ncolour: red\n")])
            #expect(broken.status == .unprocessableContent)
            #expect(ConsoleBrowser.field("revision", in: String(buffer: broken.body)) == revision)
            #expect(ConsoleBrowser.field("key", in: String(buffer: broken.body)) == "support-answer-prompt")

            // Without a revision, nothing is saved.
            experiment.name = "No revision"
            let noRevision = try await browser.post("/definitions", [("_csrf", csrf), ("key", "support-answer-prompt"), ("definition", experiment.fileFormat.jsonText)])
            #expect(noRevision.status == .unprocessableContent)
            #expect(String(buffer: noRevision.body).contains("revision: missing"))

            // A key changed in the text is refused, not created as another experiment.
            var other = experiment
            other.key = "support-answer-prompt-copy"
            let rekeyed = try await browser.post("/definitions", [("_csrf", csrf), ("key", "support-answer-prompt"), ("revision", revision), ("definition", other.fileFormat.jsonText)])
            #expect(rekeyed.status == .unprocessableContent)
            #expect(try await store.rollout("support-answer-prompt-copy") == nil)

            // The new-experiment form refuses an existing key.
            experiment.name = "Overwritten from the new form"
            let overwrite = try await browser.post("/definitions", [("_csrf", csrf), ("definition", experiment.fileFormat.jsonText)])
            #expect(overwrite.status == .conflict)
            #expect(String(buffer: overwrite.body).contains("already exists"))

            // Someone else saves; the stale page's save is then refused.
            var theirs = experiment
            theirs.name = "Their change"
            let saved = try await browser.post("/definitions", [("_csrf", csrf), ("key", "support-answer-prompt"), ("revision", revision), ("definition", theirs.fileFormat.jsonText)])
            #expect(saved.status == .seeOther)
            experiment.name = "My stale change"
            let stale = try await browser.post("/definitions", [("_csrf", csrf), ("key", "support-answer-prompt"), ("revision", revision), ("definition", experiment.fileFormat.jsonText)])
            #expect(stale.status == .conflict)
            let after = try #require(try await store.rollout("support-answer-prompt"))
            #expect(after.experiment.name == "Their change" && after.revision == before + 1)
        }
    }

    @Test func aStoreOutageIsA503PageWhileEvaluationKeepsWorking() async throws {
        let base = try await TestServer.store(experiments: try TestServer.experiments(coverage: nil))
        let store = OutageStore(base)
        let configuration = ServerConfiguration(bootstrapKeys: [(.sdk, TestServer.sdkKey), (.admin, TestServer.adminKey)])
        let app = try await buildApplication(configuration: configuration, dependencies: ServerDependencies(store: store, exposureSink: RecordingSink(), sessions: base, ingestHealth: base))
        try await app.test(.router) { client in
            var browser = try await Self.signedIn(client)
            store.down.withLock { $0 = true }
            for uri in ["/", "/experiments/support-answer-prompt", "/audit"] {
                let page = try await browser.get(uri)
                #expect(page.status == .serviceUnavailable, "\(uri)")
                let text = String(buffer: page.body)
                #expect(text.contains("The database is unavailable"))
                #expect(!text.contains("Swift/") && !text.contains(".swift"))
            }
            let evaluation = try await client.execute(uri: "/ofrep/v1/evaluate/flags/support-answer-prompt", method: .post, headers: TestServer.sdk(), body: ByteBuffer(string: #"{"context":{"targetingKey":"user-1","environment":"production","plan":"pro"}}"#))
            #expect(evaluation.status == .ok)
        }
    }
}

@Suite("Console: approvals")
struct ConsoleApprovalTests {
    @Test func leavingAStageThatRequiresApprovalShowsWhoMayApproveAndRecordsTheApprover() async throws {
        let store = try await TestServer.store(experiments: try TestServer.experiments(coverage: nil))
        var state = try #require(try await store.rollout("support-answer-prompt"))
        let index = try #require(state.experiment.ramp.firstIndex { $0.requiresApproval })
        state.stageIndex = index
        state.experiment.coverage = state.experiment.ramp[index].coverage
        state.stageStartedAt = Date(timeIntervalSince1970: 1_780_000_000)
        state.revision += 1
        try await store.save(state, audit: nil)
        let revision = state.revision
        let app = try await TestServer.consoleApplication(store: store)
        try await app.test(.router) { client in
            var browser = ConsoleBrowser(client)
            try await browser.signIn(TestServer.adminKey)
            let page = String(buffer: try await browser.get("/experiments/support-answer-prompt").body)
            #expect(page.contains("id=\"approval\""))
            #expect(page.contains("any admin key holder may approve"))
            let form = [("_csrf", ConsoleBrowser.field("_csrf", in: page) ?? ""), ("revision", String(revision)),
                        ("action", "advance"), ("force", "on"), ("reason", "numbers reviewed")]
            let response = try await browser.post("/experiments/support-answer-prompt/ramp", form)
            #expect(response.status == .seeOther)
            let entry = try #require(try await store.auditEntries("support-answer-prompt").last)
            #expect(entry.reason == "numbers reviewed (approved by bootstrap admin key)")
            #expect(entry.actor == "bootstrap admin key")
        }
    }
}

/// ``ConsoleRenderer/compact(_:)`` drops absent values at every depth: nested rows once rendered `href="nil"`
/// (found by QA in session 29; each page's rows were compacted by hand since).
@Suite("Console renderer values")
struct ConsoleRendererValuesTests {
    @Test func absentValuesAreDroppedAtEveryDepth() {
        let absent: String? = nil
        let present: String? = "https://traces.example.com/t/1"
        let values: [String: Any] = [
            "top": absent as Any, "kept": present as Any,
            "rows": [["href": absent as Any, "label": "a"], ["href": present as Any, "label": "b"]] as [[String: Any]],
            "nested": ["inner": ["deep": absent as Any, "x": 1] as [String: Any]] as [String: Any],
            "list": [absent as Any, present as Any] as [Any],
        ]
        let out = ConsoleRenderer.compact(values)
        #expect(out["top"] == nil)
        #expect(out["kept"] as? String == "https://traces.example.com/t/1")
        let rows = out["rows"] as? [Any] ?? []
        #expect((rows.first as? [String: Any])?["href"] == nil)
        #expect((rows.last as? [String: Any])?["href"] as? String == "https://traces.example.com/t/1")
        let inner = ((out["nested"] as? [String: Any])?["inner"] as? [String: Any]) ?? [:]
        #expect(inner["deep"] == nil && inner["x"] as? Int == 1)
        #expect((out["list"] as? [Any])?.count == 1)
    }
}
