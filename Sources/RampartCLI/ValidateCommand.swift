import ArgumentParser
import Foundation
import RampartConfig
import RampartCore

/// `rampart validate`: checks experiment files and reports every problem with its file, line and field.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check experiment files; exits non-zero if any has an error.",
        discussion: "Each problem is printed as FILE:LINE:COLUMN: error|warning: FIELD: MESSAGE."
    )

    @Argument(help: "Experiment files or directories (default: experiments).")
    var paths: [String] = []

    @Option(name: .long, help: "A directory with the definitions currently in force; changes that would move units between variants of a running experiment without a new phase are errors.")
    var previous: String?

    @Flag(name: .long, help: "Treat warnings as errors.")
    var strict = false

    mutating func run() throws {
        var loaded = try Self.load(paths.isEmpty ? ["experiments"] : paths)
        if let previous {
            let old: [Experiment]
            do {
                old = try ExperimentLoader.loadDirectory(previous).compactMap(\.experiment)
            } catch {
                throw CLIFailure.file(error, doing: "--previous: cannot read the definitions in force from") ?? error
            }
            ValidateCommand.checkReshuffles(&loaded, previous: old)
        }
        var errors = 0
        var warnings = 0
        for file in loaded {
            for problem in file.problems {
                print(problem.description)
                if problem.severity == .error { errors += 1 } else { warnings += 1 }
            }
        }
        print("\(loaded.count) file\(loaded.count == 1 ? "" : "s") checked: \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
        if errors > 0 || (strict && warnings > 0) { throw ExitCode.failure }
    }

    /// Loads files and directories, then checks them against each other.
    static func load(_ paths: [String]) throws -> [LoadedExperiment] {
        var loaded: [LoadedExperiment] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw CLIFailure("no such file or directory: \(path)")
            }
            if isDirectory.boolValue {
                loaded += try ExperimentLoader.loadDirectory(path, crossCheck: false)
            } else {
                loaded.append(ExperimentLoader.load(path: path))
            }
        }
        ExperimentLoader.crossCheck(&loaded)
        return loaded
    }

    static func checkReshuffles(_ loaded: inout [LoadedExperiment], previous: [Experiment]) {
        let byKey = Dictionary(previous.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        for index in loaded.indices {
            guard let experiment = loaded[index].experiment, let old = byKey[experiment.key] else { continue }
            let advice = experiment.reshuffleAdvice(from: old)
            for change in experiment.reshuffleChanges(from: old) {
                let position = loaded[index].positions[change.field] ?? loaded[index].positions["variants"] ?? loaded[index].positions["key"] ?? .file
                loaded[index].problems.append(ConfigProblem(
                    file: loaded[index].file, line: position.line, column: position.column, field: change.field,
                    message: "\(change.description) while the experiment is \(old.status.rawValue); \(advice)"
                ))
            }
        }
    }
}
