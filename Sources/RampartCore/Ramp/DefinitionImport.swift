import Foundation

/// Reconciles an experiment file with the stored definition when `experiments/` is imported (at `rampart serve`
/// and every command that opens a database with `--experiments`).
///
/// Two sources can change a definition: its file, and the API (`PUT /v1/experiments/{key}`, new phases). The
/// store remembers the file's definition as last imported, the *base*, so each import is a three-way comparison:
///
/// | file since the base | stored since the base | result |
/// | --- | --- | --- |
/// | same as stored | — | ``Outcome/unchanged`` |
/// | changed | unchanged | ``Outcome/applied``: an edit of the file is taken, as experiments-as-code expects |
/// | unchanged | changed (through the API) | ``Outcome/kept``: an older file never undoes an API change |
/// | changed | changed | ``Outcome/declined``: the stored definition is kept, unless files win |
///
/// When files win (`rampart serve --files-override-api`) a file that differs from the stored definition replaces
/// it (``Outcome/overridden``). A file that would move units between variants is never applied
/// (``Outcome/refused``): that needs a new phase. Every change is audited (actor `file`), and a decline or refusal
/// once per version of the file; every outcome but `unchanged` comes with a message to log.
///
/// Only the fields a file owns are compared: status, coverage and the shipped variant belong to the rollout and
/// change through ramp actions, never through a file.
public enum DefinitionImport {
    /// What an import did with one file.
    public enum Outcome: String, Sendable, Hashable, CaseIterable {
        /// A key not stored yet: stored as the file gives it.
        case inserted
        /// The file and the stored definition agree.
        case unchanged
        /// The file changed since its last import and the stored definition did not: the file was applied.
        case applied
        /// Files win: the file replaced a stored definition that differs from it.
        case overridden
        /// The stored definition changed (through the API) after the file's last import, and the file did not:
        /// the stored definition is kept.
        case kept
        /// Both changed since the last import: the stored definition is kept; the file needs files to win.
        case declined
        /// Applying the file would move units between variants: refused; start a new phase instead.
        case refused
    }

    /// The action names of import audit entries.
    public static let auditActions: Set<String> = ["import", "import_declined", "import_refused"]

    /// The flag of `rampart serve` that lets files win.
    public static let overrideFlag = "--files-override-api"

    /// One file's import: what to store and what to tell.
    public struct Decision: Sendable, Hashable {
        public var key: String
        public var outcome: Outcome
        /// The rollout to store, when the stored definition changes (or is inserted).
        public var state: RolloutState?
        /// The audit entry to append, if any.
        public var audit: AuditEntry?
        /// The base to remember: the file's definition the stored one now derives from.
        public var base: Experiment
        /// The file's definition as examined now (``comparable(_:)``), remembered so that a decline or refusal is
        /// audited once per version of the file.
        public var seen: Experiment
        /// What happened, for the log; empty for ``Outcome/unchanged``.
        public var message: String

        /// Whether the message deserves a warning (the file is not in force and someone should act).
        public var isWarning: Bool { outcome == .declined || outcome == .refused || outcome == .overridden }
    }

    /// The definition without the fields that belong to the rollout (status, coverage, shipped variant).
    public static func comparable(_ e: Experiment) -> Experiment {
        var c = e
        c.status = .draft
        c.coverage = 0
        c.shippedVariant = nil
        return c
    }

    /// Decides what importing one file does.
    ///
    /// - Parameters:
    ///   - file: The definition read from the file.
    ///   - stored: The stored rollout, or `nil` when the key is new.
    ///   - base: The file's definition as last imported (``comparable(_:)``); `nil` when never recorded.
    ///   - seen: The file's definition as last examined, if recorded.
    ///   - changedByAPI: Without a base: whether the API has changed the definition (created, updated or started
    ///     a phase of it), read from the audit log.
    ///   - filesWin: Let a differing file replace the stored definition (`--files-override-api`).
    ///   - source: Where the file was read, for messages and the audit log, e.g. `experiments/`.
    ///   - now: The moment of the import, for the audit log.
    public static func decide(
        file: Experiment, stored: RolloutState?, base: Experiment?, seen: Experiment?, changedByAPI: Bool,
        filesWin: Bool, source: String, now: Date = Date()
    ) -> Decision {
        let fileDefinition = comparable(file)
        let key = file.key
        var decision = Decision(key: key, outcome: .unchanged, base: base ?? fileDefinition, seen: fileDefinition, message: "")
        func audit(_ action: String, from: String, to: String, reason: String, forced: Bool = false) -> AuditEntry {
            AuditEntry(experiment: key, action: action, actor: "file", at: now, from: from, to: to, verdict: "n/a", reason: reason, forced: forced)
        }
        guard let stored else {
            let state = RolloutState(experiment: file)
            decision.outcome = .inserted
            decision.state = state
            decision.base = fileDefinition
            decision.audit = audit("import", from: "absent", to: state.summary, reason: "imported from \(source)")
            decision.message = "'\(key)': imported from \(source) (\(state.summary))"
            return decision
        }
        let storedDefinition = comparable(stored.experiment)
        if fileDefinition == storedDefinition {
            decision.base = fileDefinition
            return decision
        }
        let changed = changedFields(from: stored.experiment, to: file)
        let differences = changed.isEmpty ? "settings" : changed.joined(separator: ", ")
        let storeChanged = base.map { storedDefinition != $0 } ?? changedByAPI
        let fileChanged = base.map { fileDefinition != $0 } ?? true
        let reported = seen == fileDefinition

        var merged = file
        merged.status = stored.experiment.status
        merged.coverage = stored.experiment.coverage
        merged.shippedVariant = stored.experiment.shippedVariant
        let reshuffle = merged.reshuffleReasons(from: stored.experiment)
        if !reshuffle.isEmpty {
            decision.outcome = .refused
            let reason = "the file in \(source) was not applied: \(reshuffle.joined(separator: "; ")); \(merged.reshuffleAdvice(from: stored.experiment))"
            if !reported { decision.audit = audit("import_refused", from: stored.summary, to: stored.summary, reason: reason) }
            decision.message = "'\(key)': \(reason)"
            return decision
        }
        if storeChanged, !filesWin {
            if fileChanged {
                decision.outcome = .declined
                let reason = "the file in \(source) and the stored definition both changed since the file was last imported; "
                    + "kept the stored definition (the file differs in: \(differences)); to apply the file, restart "
                    + "`rampart serve \(overrideFlag)`, or make the file match GET /v1/experiments/\(key)"
                if !reported { decision.audit = audit("import_declined", from: stored.summary, to: stored.summary, reason: reason) }
                decision.message = "'\(key)': \(reason)"
            } else {
                decision.outcome = .kept
                decision.message = "'\(key)': the stored definition was changed through the API after the file in \(source) "
                    + "was imported, and the file has not changed since: keeping the stored definition (the file differs in: "
                    + "\(differences)); `rampart serve \(overrideFlag)` would apply the file"
            }
            return decision
        }
        var next = stored
        next.experiment = merged
        next.stageIndex = merged.ramp.firstIndex { abs($0.coverage - merged.coverage) < 1e-12 }
        if merged.phase != stored.experiment.phase { next.stageStartedAt = nil }
        next.revision += 1
        decision.state = next
        decision.base = fileDefinition
        if storeChanged {
            decision.outcome = .overridden
            let reason = "\(overrideFlag): the file in \(source) replaced the stored definition, which had changed through the API (changed: \(differences))"
            decision.audit = audit("import", from: stored.summary, to: next.summary, reason: reason, forced: true)
            decision.message = "'\(key)': \(reason)"
        } else {
            decision.outcome = .applied
            let reason = "the file in \(source) changed since its last import: applied (changed: \(differences))"
            decision.audit = audit("import", from: stored.summary, to: next.summary, reason: reason)
            decision.message = "'\(key)': \(reason)"
        }
        return decision
    }

    /// The file-format fields in which two definitions differ, ignoring the rollout's fields.
    ///
    /// - Parameters:
    ///   - old: The definition before.
    ///   - new: The definition after.
    /// - Returns: Field names as in experiment files, e.g. `["metrics", "targeting"]`.
    public static func changedFields(from old: Experiment, to new: Experiment) -> [String] {
        var fields: [String] = []
        func check<T: Equatable>(_ name: String, _ path: KeyPath<Experiment, T>) {
            if old[keyPath: path] != new[keyPath: path] { fields.append(name) }
        }
        check("name", \.name)
        check("description", \.description)
        check("owner", \.owner)
        check("hypothesis", \.hypothesis)
        check("unit", \.unit)
        check("salt", \.salt)
        check("phase", \.phase)
        check("variants", \.variants)
        check("control", \.control)
        check("targeting", \.targeting)
        check("namespace", \.namespace)
        check("ramp", \.ramp)
        check("metrics", \.metrics)
        check("analysis settings", \.analysis)
        return fields
    }
}
