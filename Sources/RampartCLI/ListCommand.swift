import ArgumentParser
import Foundation
import RampartAnalysis
import RampartConfig
import RampartCore
import RampartStore

/// `rampart list`: the experiments and where each stands — with `--db`, the stored rollouts (status, stage, the
/// verdict now, the last change); without it, the files as written.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List experiments: status, coverage, ramp stage, verdict, variants and metrics.",
        discussion: """
            With --db, what is in force: each stored rollout's status, stage and when it started, the verdict now and \
            the last audited change, and which files in --experiments differ from the stored definitions or are not \
            imported yet; the database is only read. Without --db, the files as written, which need not be what is \
            in force.
            """
    )

    @Option(name: .long, help: "The database whose stored rollouts to list (must exist; it is only read).")
    var db: String?

    @Option(name: .customLong("as-of"), help: "With --db: the verdict as of this moment (ISO 8601 or seconds since 1970); default now.")
    var asOf: String?

    @OptionGroup var experiments: ExperimentsOption

    @OptionGroup var store: StoreOptions

    mutating func run() async throws {
        print(try await render(), terminator: "")
    }

    /// The listing: the stored rollouts with `--db`, else the files.
    func render() async throws -> String {
        var out: [String] = []
        guard let db = StoreLocation.resolve(db, fallback: nil) else {
            let all = try experiments.loadAll()
            out.append("from the files in \(experiments.source) (no --db: the stored status, stage and verdict are not shown)\n")
            out += all.map(Self.describe)
            out.append("\(all.count) experiment\(all.count == 1 ? "" : "s") in \(experiments.experiments)")
            return out.joined(separator: "\n") + "\n"
        }
        let now = try asOf.map(parseTimestamp) ?? Date()
        var configuration = try self.store.configuration()
        configuration.readOnly = true
        let store = try await StoreLocation.open(db, configuration: configuration, mustExist: true)
        let rollouts = try await store.rollouts()
        var files: [String: Experiment] = [:]
        var fileNote: String?
        if FileManager.default.fileExists(atPath: experiments.experiments) {
            do {
                for file in try experiments.loadAll() { files[file.key] = file }
            } catch {
                fileNote = "the files in \(experiments.source) were not compared: \(error)"
            }
        } else {
            fileNote = "no directory \(experiments.source): the files were not compared"
        }
        out.append("from \(StoreLocation.describe(db)) as of \(ISO8601DateFormatter().string(from: now))\n")
        for state in rollouts {
            let report = try await ExperimentAnalyzer(store: store).analyze(state, now: now)
            let last = try await store.auditEntries(state.experiment.key).lastChange
            out.append(Self.describe(state, report: report, lastChange: last, file: files[state.experiment.key], source: fileNote == nil ? experiments.source : nil))
        }
        let stored = Set(rollouts.map(\.experiment.key))
        for key in files.keys.sorted() where !stored.contains(key) {
            out.append("\(key): in \(experiments.source) but not imported into \(db) yet\n")
        }
        if let fileNote { out.append(fileNote) }
        out.append("\(rollouts.count) experiment\(rollouts.count == 1 ? "" : "s") in \(db)")
        return out.joined(separator: "\n") + "\n"
    }

    /// A stored rollout: what is in force, the verdict now, the last change, and how the file compares.
    ///
    /// - Parameters:
    ///   - file: The experiment's file, if the directory has one.
    ///   - source: The directory the files were read from; `nil` when they were not compared.
    static func describe(_ state: RolloutState, report: ExperimentReport, lastChange: AuditEntry?, file: Experiment?, source: String?) -> String {
        let e = state.experiment
        var lines: [String] = ["\(e.key) — \(e.name)"]
        let shipped = e.shippedVariant.map { " (\($0))" } ?? ""
        lines.append("  stored  \(e.status.rawValue)\(shipped), phase \(e.phase), \(report.stage), revision \(state.revision)")
        lines.append("  verdict \(report.verdict.summary)")
        if let last = lastChange {
            lines.append("  last change \(ISO8601DateFormatter().string(from: last.at)) \(last.action)\(last.forced ? " (forced)" : "") by \(last.actor): \(last.from) → \(last.to)")
        } else {
            lines.append("  last change none recorded")
        }
        if let file {
            if DefinitionImport.comparable(file) != DefinitionImport.comparable(e) {
                let changed = DefinitionImport.changedFields(from: e, to: file)
                lines.append("  file    differs from the stored definition in: \(changed.isEmpty ? "settings" : changed.joined(separator: ", ")) (the stored one is in force)")
            }
        } else if let source {
            lines.append("  file    none in \(source)")
        }
        let body = describe(e).split(separator: "\n", omittingEmptySubsequences: false).dropFirst(2).map(String.init)
        return (lines + body).joined(separator: "\n")
    }

    static func describe(_ e: Experiment) -> String {
        var lines: [String] = []
        let stage = e.ramp.firstIndex { abs($0.coverage - e.coverage) < 1e-12 }.map { "stage \($0 + 1) of \(e.ramp.count)" } ?? "off-plan"
        lines.append("\(e.key) — \(e.name)")
        lines.append("  status \(e.status.rawValue), unit \(e.unit), phase \(e.phase), coverage \(percent(e.coverage)) (\(stage)), owner \(e.owner)")
        let plan = e.ramp.map { percent($0.coverage) }.joined(separator: " → ")
        if !plan.isEmpty { lines.append("  ramp   \(plan)") }
        for v in e.variants {
            let marker = v.key == e.control ? " (control)" : ""
            lines.append("  \(v.key)\(marker): \(percent(v.weight)) → \(v.payload.promptName) \(v.payload.promptVersionId) on \(v.payload.provider)/\(v.payload.model)")
        }
        for role in MetricRole.allCases {
            let names = e.metrics.filter { $0.role == role }.map(\.key)
            if !names.isEmpty { lines.append("  \(role.rawValue): \(names.joined(separator: ", "))") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func percent(_ x: Double) -> String {
        let value = x * 100
        return value == value.rounded() ? "\(Int(value))%" : String(format: "%.1f%%", value)
    }
}
