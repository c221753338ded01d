import ServiceLifecycle

/// Runs `body` every `interval` until the service group shuts down gracefully; the wait between runs ends at once
/// on shutdown, so a long interval never delays it.
///
/// - Parameters:
///   - interval: The time between the end of one run and the start of the next.
///   - body: The work.
func runPeriodically(every interval: Duration, _ body: () async -> Void) async {
    while !Task.isShuttingDownGracefully {
        do {
            try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        } catch {
            return
        }
        await body()
    }
}
