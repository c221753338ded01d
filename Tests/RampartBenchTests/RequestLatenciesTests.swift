import Testing
@testable import RampartBench

/// The soak's request latencies, at rest and during an analysis.
@Suite("Request latencies")
struct RequestLatenciesTests {
    /// Each class has its own order statistics (rank ⌈N·p⌉); a kind or class with no request has none.
    @Test func eachClassHasItsOwnPercentiles() {
        let latencies = RequestLatencies()
        for ms in (1...100).reversed() { latencies.record("ofrep", milliseconds: Double(ms), duringAnalysis: false) }
        latencies.record("ofrep", milliseconds: 300, duringAnalysis: true)
        latencies.record("ofrep", milliseconds: 200, duringAnalysis: true)
        #expect(latencies.summary("ofrep", duringAnalysis: false) == .init(count: 100, median: 50, p99: 99, maximum: 100))
        #expect(latencies.summary("ofrep", duringAnalysis: true) == .init(count: 2, median: 200, p99: 300, maximum: 300))
        #expect(latencies.summary("events", duringAnalysis: false) == nil)
        #expect(latencies.line("ofrep", title: "OFREP") == "OFREP latency at rest: 100, median 50.0 ms, p99 99.0 ms, max 100 ms; during an analysis: 2, median 200 ms, p99 300 ms, max 300 ms")
        #expect(latencies.line("events", title: "events").hasSuffix("at rest: none; during an analysis: none"))
    }

    /// A request overlapped an analysis when one was in flight as it started or as it ended, or one started and
    /// ended in between; not when none ran meanwhile.
    @Test func overlapsWithResultsRequests() {
        let activity = ResultsActivity()
        let quiet = activity.mark()
        #expect(!activity.overlapped(since: quiet))

        let before = activity.mark()
        activity.start()
        activity.end(at: 1, took: 0.5)
        #expect(activity.overlapped(since: before), "one started and ended in between")
        let after = activity.mark()
        #expect(!activity.overlapped(since: after))

        activity.start()
        let during = activity.mark()
        activity.end(at: 2, took: 0.5)
        #expect(activity.overlapped(since: during), "one was in flight as it started")
        let next = activity.mark()
        activity.start()
        #expect(activity.overlapped(since: next), "one is in flight as it ends")
        activity.end(at: 3, took: 0.5)
    }
}
