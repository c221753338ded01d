import RampartStore

extension ExperimentRegistry {
    /// How many times ``reload(from:)`` reads the rollouts again when a newer change or read got in first; past
    /// that, what is in force is newer than anything this reload read.
    static let rereads = 3

    /// Replaces the definitions with the store's rollouts, unless something newer is in force.
    ///
    /// A create, update or ramp action of this process that commits while the rollouts are read would be undone by
    /// the older read, so the rollouts are read again when one got in meanwhile (it is in the store by then).
    ///
    /// - Parameter store: The store holding the rollouts.
    func reload(from store: any ControlStore) async throws {
        for _ in 0..<Self.rereads {
            let moment = readingMoment()
            let rollouts = try await store.rollouts()
            if replace(rollouts.map(\.experiment), readAt: moment) { return }
        }
    }
}
