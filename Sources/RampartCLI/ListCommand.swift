import ArgumentParser
import Foundation
import RampartCore

/// `rampart list`: the experiments in a directory, their state and what each variant serves.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List experiments: status, coverage, ramp stage, variants and metrics."
    )

    @OptionGroup var experiments: ExperimentsOption

    mutating func run() throws {
        let all = try experiments.loadAll()
        for experiment in all {
            print(Self.describe(experiment))
        }
        print("\(all.count) experiment\(all.count == 1 ? "" : "s") in \(experiments.experiments)")
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
