import Foundation
import RampartCore
import RampartStore

extension ExperimentAnalyzer {
    /// Served vs. ran as of the scope's moment, or `nil` when the store does not implement
    /// ``DecisionQualityStore``.
    ///
    /// - Parameters:
    ///   - e: The experiment.
    ///   - scope: The experiment's phase and the as-of moment.
    func servedVersusRan(_ e: Experiment, scope: ExperimentScope) async throws -> ServedVersusRan? {
        guard let quality = store as? any DecisionQualityStore else { return nil }
        return ServedVersusRan(e, counts: try await quality.ranVersions(in: scope))
    }
}
