import ArgumentParser
import RampartConfig
import RampartCore

/// The `--experiments DIR` option shared by commands that read experiment files.
struct ExperimentsOption: ParsableArguments {
    @Option(name: .long, help: "The directory of experiment YAML files.")
    var experiments: String = "experiments"

    /// The directory as named in messages and the audit log, e.g. `experiments/`.
    var source: String {
        experiments.hasSuffix("/") ? experiments : experiments + "/"
    }

    /// Loads every experiment in the directory, failing with the problems if any file has errors.
    func loadAll() throws -> [Experiment] {
        let loaded: [LoadedExperiment]
        do {
            loaded = try ExperimentLoader.loadDirectory(experiments)
        } catch {
            throw ValidationError("cannot read the experiments directory '\(experiments)': \(error.localizedDescription)")
        }
        let broken = loaded.filter(\.hasErrors)
        guard broken.isEmpty else {
            let lines = broken.flatMap(\.problems).filter { $0.severity == .error }.map(\.description)
            throw CLIFailure("experiment files have errors; run `rampart validate \(experiments)`:\n" + lines.joined(separator: "\n"))
        }
        return loaded.compactMap(\.experiment)
    }

    /// Loads the experiment with the given key.
    func load(key: String) throws -> Experiment {
        let all = try loadAll()
        guard let experiment = all.first(where: { $0.key == key }) else {
            let known = all.map(\.key).sorted().joined(separator: ", ")
            throw CLIFailure("no experiment '\(key)' in \(experiments) (known: \(known))")
        }
        return experiment
    }
}
