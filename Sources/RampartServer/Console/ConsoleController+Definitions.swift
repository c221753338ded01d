import Foundation
import HTTPTypes
import Hummingbird
import RampartCore
import RampartStore

extension ConsoleController {
    @Sendable func definitionsPage(_ request: Request, context: RampartRequestContext, identity: ConsoleIdentity) async throws -> Response {
        let states = try await store.rollouts()
        let rows: [[String: Any]] = states.map { s in
            ["key": s.experiment.key, "name": s.experiment.name, "status": s.experiment.status.rawValue, "phase": s.experiment.phase, "revision": s.revision]
        }
        return renderer.page("definitions", title: "Definitions", identity: identity, values: ["experiments": rows, "empty": rows.isEmpty])
    }

    /// One definition in the experiment-file format (JSON, which is YAML too), editable by admins.
    @Sendable func definitionEditor(_ request: Request, context: RampartRequestContext, identity: ConsoleIdentity) async throws -> Response {
        var values: [String: Any] = ["canSave": identity.canChange]
        if let key = context.parameters.get("key") {
            let state = try await rollout(context)
            values["key"] = key
            values["name"] = state.experiment.name
            values["text"] = state.experiment.fileFormat.prettyJSONText
            values["existing"] = true
            values["revision"] = state.revision
        } else {
            values["text"] = ""
        }
        return renderer.page("definition", title: values["name"] as? String ?? "New experiment", identity: identity, values: values)
    }

    /// Creates or updates a definition pasted as YAML or JSON, through the API's rules (``DefinitionChanges``).
    ///
    /// The form of an existing experiment carries its `key` and the `revision` it was loaded at: the definition must
    /// keep that key (as the API's `key_mismatch`), and a save over a later revision is refused (409), so nobody
    /// overwrites a change they have not seen. The new-experiment form carries neither, and refuses a key that
    /// exists. A page shown again after an error keeps both, so the check still holds on the next save.
    @Sendable func saveDefinition(_ request: Request, context: RampartRequestContext, identity: ConsoleIdentity) async throws -> Response {
        let fields = try await form(request, identity)
        try requireChange(identity)
        let text = fields["definition"] ?? ""
        let editing = fields["key"].flatMap { $0.isEmpty ? nil : $0 }
        func again(_ status: HTTPResponse.Status, message: String, problems: [[String: Any]] = []) -> Response {
            renderer.page("definition", title: "Definition", identity: identity, status: status, values: ConsoleRenderer.compact([
                "canSave": true, "text": text, "message": message, "problems": problems, "hasProblems": !problems.isEmpty,
                "key": editing as Any, "existing": editing != nil, "revision": fields["revision"] as Any,
            ]))
        }
        let experiment: Experiment
        switch DefinitionChanges.parse(text, source: "definition") {
        case .success(let parsed):
            experiment = parsed
        case .failure(let list):
            let problems = list.problems.map { p -> [String: Any] in
                ["line": p.line, "column": p.column, "field": p.field, "message": p.message, "severity": p.severity.rawValue]
            }
            return again(.unprocessableContent, message: "The definition has \(problems.count) problem\(problems.count == 1 ? "" : "s"); nothing was saved.", problems: problems)
        }
        let changes = DefinitionChanges(store: store, registry: registry)
        let actor = identity.session.keyName
        do {
            if let editing {
                guard editing == experiment.key else {
                    return again(.unprocessableContent, message: "key: the definition's key '\(experiment.key)' is not the experiment being edited ('\(editing)'); nothing was saved. A key cannot change: create a new experiment for a new key.")
                }
                guard let revision = fields["revision"].flatMap(Int.init) else {
                    return again(.unprocessableContent, message: "revision: missing or not a number, so a change made since the page was loaded could not be detected; nothing was saved. Reload and edit again.")
                }
                guard let current = try await store.rollout(experiment.key) else {
                    return again(.conflict, message: "The experiment '\(editing)' no longer exists; nothing was saved.")
                }
                guard revision == current.revision else {
                    return again(.conflict, message: "This experiment changed since you loaded the page (revision \(current.revision), yours \(revision)); nothing was saved. Reload and edit again.")
                }
                _ = try await changes.update(current, to: experiment, actor: actor, reason: "definition updated in the console")
            } else {
                guard try await store.rollout(experiment.key) == nil else {
                    return again(.conflict, message: "key: an experiment '\(experiment.key)' already exists; nothing was saved. Edit it from its own definition page.")
                }
                _ = try await changes.create(experiment, actor: actor, reason: "created in the console")
            }
        } catch let error as DefinitionChanges.Reshuffle {
            return again(.conflict, message: error.reasons.joined(separator: "; ") + ". Such a change needs a new phase (POST /v1/experiments/\(experiment.key)/phases); nothing was saved.")
        } catch let error as RampartError where error.code == .conflict {
            return again(.conflict, message: error.message + "; nothing was saved.")
        }
        return Response(status: .seeOther, headers: [.location: "/experiments/\(Self.pathComponent(experiment.key))", .cacheControl: "no-store"])
    }
}
