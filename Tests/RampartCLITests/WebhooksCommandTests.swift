import ArgumentParser
import Foundation
import Testing
import RampartCore
import RampartStore
@testable import RampartCLI

/// `rampart webhooks`: bad input named, endpoints stored with their secret, removal.
@Suite("Webhooks command")
struct WebhooksCommandTests {
    @Test func addValidatesTheURLAndTheEventsAndStoresTheEndpoint() async throws {
        let (db, _) = try RolloutCommandsTests.database()
        do {
            try await RolloutCommandsTests.run(WebhooksCommand.Add.self, ["ftp://example.com", "--db", db])
            Issue.record("accepted an ftp URL")
        } catch let failure as CLIFailure {
            #expect(failure.description.hasPrefix("url:"))
        }
        do {
            try await RolloutCommandsTests.run(WebhooksCommand.Add.self, ["https://example.com/hook", "--events", "verdict_changed,nope", "--db", db])
            Issue.record("accepted an unknown event")
        } catch let failure as CLIFailure {
            #expect(failure.description.hasPrefix("events:") && failure.description.contains("'nope'"))
        }
        try await RolloutCommandsTests.run(WebhooksCommand.Add.self, ["https://example.com/hook", "--experiment", "support-answer-prompt", "--events", "rollout_changed", "--db", db])
        let store = try SQLiteEventStore(path: db)
        let endpoint = try #require(try await store.webhooks().first)
        #expect(endpoint.url == "https://example.com/hook" && endpoint.experiment == "support-answer-prompt" && endpoint.events == [.rolloutChanged])
        #expect(endpoint.id.hasPrefix("wh_") && endpoint.secret.hasPrefix("whsec_") && endpoint.secret.count == 6 + 64)
        try await RolloutCommandsTests.run(WebhooksCommand.Remove.self, [endpoint.id, "--db", db])
        #expect(try await store.webhooks().isEmpty)
        await #expect(throws: CLIFailure.self) { try await RolloutCommandsTests.run(WebhooksCommand.Remove.self, [endpoint.id, "--db", db]) }
    }
}
