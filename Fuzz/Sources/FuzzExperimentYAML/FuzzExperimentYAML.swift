import RampartConfig
import RampartCore

/// Loads the input as an experiment file. Loading reports problems and never crashes; an experiment that loads
/// without errors compiles and assigns units (which is where a definition the validator let through would fail).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExperimentYAML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let loaded = ExperimentLoader.parse(yaml: text, file: "fuzz.yaml")
    for problem in loaded.problems {
        precondition(!problem.message.isEmpty && !problem.field.isEmpty, "a problem without a field or message: \(problem)")
    }
    guard let experiment = loaded.experiment, !loaded.hasErrors else { return 0 }
    let compiled = CompiledExperiment(experiment)
    for unit in ["user-1", "user-2", "", "ü"] {
        let assignment = compiled.assign(unit: unit, attributes: ["plan": "pro", "environment": "production"])
        precondition(experiment.variants.contains { $0.key == assignment.variant.key }, "assigned a variant that does not exist")
        if let bucket = assignment.bucket { precondition(bucket >= 0 && bucket <= 1, "bucket \(bucket) outside [0, 1]") }
    }
    return 0
}
