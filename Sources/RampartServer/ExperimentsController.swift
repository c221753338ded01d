import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RampartAnalysis
import RampartConfig
import RampartCore
import RampartStore

/// Experiments: list, get, create, update, new phases, results (JSON and HTML), ramp actions and the audit log.
///
/// Reads accept SDK and admin keys; changes need an admin key. Every change is saved in the store first and then
/// applied to the in-memory registry that evaluation answers from.
struct ExperimentsController {
    let store: any ValueDistributionStore & ControlStore
    let registry: ExperimentRegistry
    let maxBodyBytes: Int

    func addReadRoutes(to group: RouterGroup<RampartRequestContext>) {
        group.get("experiments", use: list)
        group.get("experiments/{key}", use: get)
        group.get("experiments/{key}/results", use: results)
        group.get("experiments/{key}/results.html", use: resultsHTML)
        group.get("experiments/{key}/metrics/{metric}/examples", use: examples)
    }

    func addAdminRoutes(to group: RouterGroup<RampartRequestContext>) {
        group.post("experiments", use: create)
        group.put("experiments/{key}", use: update)
        group.post("experiments/{key}/phases", use: newPhase)
        group.post("experiments/{key}/ramp", use: ramp)
    }

    /// The audit log: admin and viewer keys.
    func addAuditRoutes(to group: RouterGroup<RampartRequestContext>) {
        group.get("experiments/{key}/audit", use: audit)
    }

    // MARK: Reads

    @Sendable func list(_ request: Request, context: RampartRequestContext) async throws -> Response {
        let states = try await storeCall { try await store.rollouts() }
        return .json(JSONValue.object(["experiments": .array(states.map(Self.summary))]).jsonText)
    }

    @Sendable func get(_ request: Request, context: RampartRequestContext) async throws -> Response {
        let state = try await rollout(context)
        return .json(Self.summary(state).jsonText, headers: [.eTag: Self.etag(state)])
    }

    @Sendable func results(_ request: Request, context: RampartRequestContext) async throws -> Response {
        let report = try await analyze(request, context)
        return .json(try report.json())
    }

    @Sendable func resultsHTML(_ request: Request, context: RampartRequestContext) async throws -> Response {
        let report = try await analyze(request, context)
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: report.html)))
    }

    // MARK: Changes

    @Sendable func create(_ request: Request, context: RampartRequestContext) async throws -> Response {
        let experiment = try await definition(request)
        let who = try actor(request)
        let state: RolloutState
        do {
            state = try await storeCall { try await changes.create(experiment, actor: who, reason: "created through the API") }
        } catch let error as APIError where error.code == "conflict" {
            throw APIError(.conflict, code: "exists", "experiment '\(experiment.key)' exists; PUT /v1/experiments/\(experiment.key) to change it")
        }
        return .json(Self.summary(state).jsonText, status: .created)
    }

    @Sendable func update(_ request: Request, context: RampartRequestContext) async throws -> Response {
        let current = try await rollout(context)
        try checkPrecondition(request, current)
        let experiment = try await definition(request)
        guard experiment.key == current.experiment.key else {
            throw APIError(.unprocessableContent, code: "key_mismatch", "the body's key '\(experiment.key)' is not the path's '\(current.experiment.key)'")
        }
        do {
            let who = try actor(request)
            let saved = try await storeCall { try await changes.update(current, to: experiment, actor: who, reason: "definition updated through the API") }
            return .json(Self.summary(saved).jsonText, headers: [.eTag: Self.etag(saved)])
        } catch let error as DefinitionChanges.Reshuffle {
            throw APIError(.conflict, code: "would_reshuffle", error.reasons.joined(separator: "; ") + ". Start a new phase: POST /v1/experiments/\(experiment.key)/phases")
        }
    }

    /// Starts a new randomization phase: variants may change, every unit is re-bucketed, the ramp restarts.
    @Sendable func newPhase(_ request: Request, context: RampartRequestContext) async throws -> Response {
        var current = try await rollout(context)
        try checkPrecondition(request, current)
        let before = current.summary
        let body = try await request.collectBody(upTo: maxBodyBytes)
        var experiment = current.experiment
        if body.readableBytes > 0 {
            experiment = try parse(body)
            guard experiment.key == current.experiment.key else {
                throw APIError(.unprocessableContent, code: "key_mismatch", "the body's key '\(experiment.key)' is not the path's '\(current.experiment.key)'")
            }
        }
        experiment.phase = current.experiment.phase + 1
        experiment.status = .running
        experiment.shippedVariant = nil
        experiment.coverage = experiment.ramp.first?.coverage ?? experiment.coverage
        current.experiment = experiment
        current.stageIndex = experiment.ramp.isEmpty ? nil : 0
        // The first stage of the new phase starts with its first exposure.
        current.stageStartedAt = nil
        current.revision += 1
        let audit = try entry(current, action: "new_phase", from: before, request: request, reason: "phase \(experiment.phase) started")
        try await storeCall { try await store.save(current, audit: audit) }
        registry.upsert(experiment)
        return .json(Self.summary(current).jsonText, status: .created, headers: [.eTag: Self.etag(current)])
    }

    @Sendable func ramp(_ request: Request, context: RampartRequestContext) async throws -> Response {
        let state = try await rollout(context)
        try checkPrecondition(request, state)
        let body = try await request.collectBody(upTo: maxBodyBytes)
        let fields: [String: JSONValue]
        do {
            fields = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: body)).objectValue ?? [:]
        } catch {
            throw APIError(.badRequest, code: "invalid_json", "the body must be a JSON object: {\"action\": \"advance\", \"reason\": \"…\"}")
        }
        guard let raw = fields["action"]?.stringValue, let action = RampAction(rawValue: raw) else {
            throw APIError(.unprocessableContent, code: "invalid_action", "action: expected one of \(RampAction.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        for name in ["reason", "actor", "variant"] where fields[name] != nil && fields[name]?.stringValue == nil {
            throw APIError(.unprocessableContent, code: "invalid_field", "\(name): expected a string")
        }
        if let actor = fields["actor"]?.stringValue, actor.trimmingCharacters(in: .whitespaces).isEmpty {
            throw APIError(.unprocessableContent, code: "invalid_field", "actor: must not be empty; it names who made the change in the audit log (leave it out for \"api\")")
        }
        if let force = fields["force"], force.boolValue == nil {
            throw APIError(.unprocessableContent, code: "invalid_field", "force: expected true or false")
        }
        if fields["force"]?.boolValue == true, (fields["reason"]?.stringValue ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw APIError(.unprocessableContent, code: "invalid_field", "reason: required when force is true; overriding the verdict must be explained in the audit log")
        }
        let operation = RampOperation(store: store, registry: registry)
        let intent = RampOperation.Intent(
            action: action, force: fields["force"]?.boolValue ?? false, reason: fields["reason"]?.stringValue ?? "",
            actor: fields["actor"]?.stringValue ?? "api", variant: fields["variant"]?.stringValue
        )
        let next: (state: RolloutState, audit: AuditEntry, verdict: Verdict)
        do {
            next = try await operation.decide(intent, for: state)
        } catch let error as RampartError where [.conflict, .verdictRefusal, .invalidInput].contains(error.code) {
            let status: HTTPResponse.Status = error.code == .conflict || error.code == .verdictRefusal ? .conflict : .unprocessableContent
            let override = error.code == .verdictRefusal ? #"; override it with "force": true and a "reason""# : ""
            throw APIError(status, code: "ramp_refused", error.message + override)
        }
        try await storeCall { try await operation.commit(next.state, audit: next.audit) }
        let body2: JSONValue = ["experiment": Self.summary(next.state), "audit": Self.audit(next.audit)]
        return .json(body2.jsonText, headers: [.eTag: Self.etag(next.state)])
    }

    @Sendable func audit(_ request: Request, context: RampartRequestContext) async throws -> Response {
        let state = try await rollout(context)
        let entries = try await storeCall { try await store.auditEntries(state.experiment.key) }
        return .json(JSONValue.object(["entries": .array(entries.map(Self.audit))]).jsonText)
    }

    // MARK: Helpers

    func rollout(_ context: RampartRequestContext) async throws -> RolloutState {
        let key = context.parameters.get("key") ?? ""
        guard let state = try await storeCall({ try await store.rollout(key) }) else {
            throw APIError(.notFound, code: "not_found", "no experiment '\(key)'")
        }
        return state
    }

    func analyze(_ request: Request, _ context: RampartRequestContext) async throws -> ExperimentReport {
        let state = try await rollout(context)
        let now = try Self.asOf(request)
        let examples = try Self.examplesLimit(request)
        let by = try Self.segmentAttribute(request, state.experiment)
        return try await storeCall {
            var report = try await ExperimentAnalyzer(store: store).analyze(state, now: now)
            if examples > 0 { report.examples = try await MetricExamples.all(in: store, experiment: state.experiment, limit: examples, now: now) }
            if let by { report.segments = try await ExperimentAnalyzer(store: store).segments(state.experiment, by: by, asOf: now) }
            return report
        }
    }

    func definition(_ request: Request) async throws -> Experiment {
        try parse(try await request.collectBody(upTo: maxBodyBytes))
    }

    /// Parses and validates a definition exactly as `rampart validate` does; YAML or JSON (JSON is YAML).
    func parse(_ body: ByteBuffer) throws -> Experiment {
        switch DefinitionChanges.parse(String(buffer: body), source: "request body") {
        case .success(let experiment):
            return experiment
        case .failure(let list):
            throw ValidationFailure(problems: list.problems.map { p -> JSONValue in
                ["line": .number(Double(p.line)), "column": .number(Double(p.column)), "field": .string(p.field), "message": .string(p.message)]
            })
        }
    }

    var changes: DefinitionChanges { DefinitionChanges(store: store, registry: registry) }

    /// Who made a change through the API: the `X-Actor` header, or `api`; 422 for an empty one.
    func actor(_ request: Request) throws -> String {
        guard let given = request.headers[HTTPField.Name("X-Actor")!] else { return "api" }
        guard !given.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw APIError(.unprocessableContent, code: "invalid_field", "X-Actor: must not be empty; it names who made the change in the audit log (leave it out for \"api\")")
        }
        return given
    }

    func entry(_ state: RolloutState, action: String, from: String, request: Request, reason: String) throws -> AuditEntry {
        AuditEntry(experiment: state.experiment.key, action: action, actor: try actor(request), at: Date(), from: from, to: state.summary, verdict: "n/a", reason: reason, forced: false)
    }

    /// An experiment's entity tag: its rollout's revision, quoted (`"7"`).
    static func etag(_ state: RolloutState) -> String { "\"\(state.revision)\"" }

    /// 412 `stale_revision` when `If-Match` names another revision than the stored one: a change decided on what a
    /// client read earlier (a retried forced ramp action, a second `POST …/phases`) is refused, never applied twice.
    func checkPrecondition(_ request: Request, _ state: RolloutState) throws {
        guard !request.headers.ifMatchAllows(Self.etag(state)) else { return }
        throw APIError(
            .preconditionFailed, code: "stale_revision",
            "If-Match: the experiment is at revision \(state.revision) (\(state.summary)); it changed since you read it. GET /v1/experiments/\(state.experiment.key) and decide again",
            headers: [.eTag: Self.etag(state)]
        )
    }

    /// Maps store failures to 503 (``APIError/store(_:_:)``), keeping API errors as they are.
    func storeCall<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as APIError {
            throw error
        } catch let error as DefinitionChanges.Reshuffle {
            throw error
        } catch let error as RampartError where error.code == .conflict {
            throw APIError(.conflict, code: "conflict", error.message)
        } catch let error as RampartError where error.code == .notFound {
            throw APIError(.notFound, code: "not_found", error.message)
        } catch {
            throw APIError.store(error)
        }
    }

    /// An experiment and its rollout; `definition` is in the experiment-file format, so it can be PUT back as is.
    static func summary(_ state: RolloutState) -> JSONValue {
        let e = state.experiment
        return [
            "key": .string(e.key),
            "status": .string(e.status.rawValue),
            "phase": .number(Double(e.phase)),
            "coverage": .number(e.coverage),
            "stage": state.stageIndex.map { .number(Double($0)) } ?? .null,
            "stage_started_at": state.stageStartedAt.map { .string(ISO8601DateFormatter().string(from: $0)) } ?? .null,
            "revision": .number(Double(state.revision)),
            "definition": e.fileFormat,
        ]
    }

    static func audit(_ a: AuditEntry) -> JSONValue {
        [
            "experiment": .string(a.experiment), "action": .string(a.action), "actor": .string(a.actor),
            "at": .string(ISO8601DateFormatter().string(from: a.at)), "from": .string(a.from), "to": .string(a.to),
            "verdict": .string(a.verdict), "reason": .string(a.reason), "forced": .bool(a.forced),
        ]
    }
}

/// An experiment definition that fails validation: 422 with every problem, as `rampart validate` reports them.
struct ValidationFailure: HTTPResponseError {
    var problems: [JSONValue]
    var status: HTTPResponse.Status { .unprocessableContent }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body: JSONValue = ["error": ["code": "invalid_experiment", "message": "the experiment definition has errors", "problems": .array(problems)]]
        return .json(body.jsonText, status: status)
    }
}
