import Foundation
import Logging
import Testing
import RampartAnalysis
import RampartCore
import RampartStore
@testable import RampartServer

/// The autopilot and the overview refresher report what they analysed to the webhooks, once between them.
@Suite("Verdict watcher")
struct VerdictWatcherTests {
    /// A store whose support-answer-prompt has a sample-ratio mismatch (1,000 control and 1,300 treatment units at
    /// 50/50): ROLLBACK.
    static func mismatchedStore() async throws -> SQLiteEventStore {
        let store = try await TestServer.store(experiments: try TestServer.experiments(coverage: nil))
        let start = Date().addingTimeInterval(-7200)
        let exposures = (0..<2300).map { i in
            Event.exposure(id: UUID(), unit: "u\(i)", timestamp: start, experiment: "support-answer-prompt", variant: i < 1000 ? "control" : "treatment", phase: 0)
        }
        _ = try await store.ingest(exposures)
        try await store.addWebhook(WebhookEndpoint(id: "wh_a", url: "http://127.0.0.1:9/hook", experiment: "support-answer-prompt", events: Set(WebhookEventKind.allCases), secret: "s", createdAt: Date()))
        return store
    }

    @Test func theAutopilotReportsTheVerdictItActedOn() async throws {
        let store = try await Self.mismatchedStore()
        let service = AutopilotService(
            autopilot: Autopilot(store: store), registry: ExperimentRegistry(), interval: .seconds(60), logger: Logger(label: "test"),
            watcher: VerdictWatcher(store: store, logger: Logger(label: "test"))
        )
        await service.tick()
        let kinds = try await store.deliveries(limit: 10).map(\.event.kind)
        #expect(Set(kinds) == [.verdictChanged, .srmDetected, .rolloutChanged] && kinds.count == 3)
        #expect(try await store.watchState("support-answer-prompt")?.verdict == "ROLLBACK")
        // The refresher analysing the same data afterwards notifies nothing more (the experiment is stopped now).
        let refresher = OverviewRefresher(cache: OverviewCache(maxAge: 60), store: store, interval: .seconds(60), logger: Logger(label: "test"),
                                          watcher: VerdictWatcher(store: store, logger: Logger(label: "test")))
        await refresher.refresh()
        #expect(try await store.deliveries(limit: 10).count == 3)
    }

    @Test func theRefresherReportsAFreshVerdictOnceAcrossRestarts() async throws {
        let store = try await Self.mismatchedStore()
        for _ in 0..<2 {
            // A new refresher and cache, as after a restart: the stored state says it was notified.
            let refresher = OverviewRefresher(cache: OverviewCache(maxAge: 60), store: store, interval: .seconds(60), logger: Logger(label: "test"),
                                              watcher: VerdictWatcher(store: store, logger: Logger(label: "test")))
            await refresher.refresh()
        }
        let events = try await store.deliveries(limit: 10).map(\.event)
        #expect(events.map(\.kind).sorted { $0.rawValue < $1.rawValue } == [.srmDetected, .verdictChanged])
        #expect(events.first { $0.kind == .verdictChanged }?.new == "ROLLBACK")
    }
}
