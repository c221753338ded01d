import Foundation
import RampartCore
@testable import RampartServer
import Testing

/// A reload never replaces what is in force with an older read: a change made in this process, or another reload's
/// read, after the reload began reading wins (a create answered 201 and then served 404 by OFREP was this race).
@Suite("Experiment registry")
struct ExperimentRegistryTests {
    @Test func aReloadThatReadBeforeALocalChangeDoesNotUndoIt() throws {
        let original = try TestServer.experiments()
        let registry = ExperimentRegistry(original)
        let moment = registry.readingMoment()
        var created = try #require(original.first)
        created.key = "created-meanwhile"
        registry.upsert(created)
        #expect(!registry.replace(original, readAt: moment), "the read began before the create")
        #expect(registry.experiment("created-meanwhile") != nil)
        #expect(registry.replace(original + [created], readAt: registry.readingMoment()))
        #expect(registry.experiments.count == original.count + 1)
    }

    @Test func anOlderReadNeverReplacesANewerOne() throws {
        let original = try TestServer.experiments()
        let registry = ExperimentRegistry(original)
        let older = registry.readingMoment(), newer = registry.readingMoment()
        var ramped = try #require(original.first)
        ramped.coverage = 0.25
        #expect(registry.replace([ramped] + original.dropFirst(), readAt: newer))
        #expect(!registry.replace(original, readAt: older))
        #expect(registry.experiment(ramped.key)?.coverage == 0.25)
    }

    @Test func aReloadReadsTheStore() async throws {
        let store = try await TestServer.store()
        let registry = ExperimentRegistry()
        try await registry.reload(from: store)
        #expect(Set(registry.experiments.map(\.key)) == Set(try TestServer.experiments().map(\.key)))
    }
}
