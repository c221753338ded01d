import Foundation
import RampartCore
@testable import RampartStore
import Testing

/// The batch analysis (one pass per event name) against the one-metric queries and a direct computation in Swift,
/// with and without an as-of moment.
@Suite("Batch analysis")
struct AnalysisRequestTests {
    typealias World = ReferenceStatisticsTests.World

    static func latency(_ e: Event) -> Double? { e.properties["latency_ms"]?.numberValue }

    static let request = AnalysisRequest(
        metrics: [
            .init(MetricQuery(event: "a", aggregation: .indicator)),
            .init(MetricQuery(event: "a")),
            .init(MetricQuery(event: "a", value: "latency_ms")),
            .init(MetricQuery(event: "a", value: "latency_ms", cap: 1500)),
            .init(MetricQuery(event: "b", filter: ["status": "error"], aggregation: .indicator)),
            .init(MetricQuery(event: "a", filter: ["task_completed": true, "latency_ms": ["$gt": 300]])),
            .init(MetricQuery(event: "a", filter: ["segment": "enterprise"], value: "latency_ms")),
            .init(MetricQuery(event: "b")),
            .init(MetricQuery(event: "a", value: "latency_ms"), quantile: 0.9),
            .init(MetricQuery(event: "b", filter: ["status": "success"], value: "latency_ms"), quantile: 0.5),
            .init(MetricQuery(event: "never-stored")),
        ],
        pairs: [.init(x: 2, y: 7), .init(x: 1, y: 3), .init(x: 10, y: 0)]
    )

    static func store(_ backend: StoreBackend, _ events: [Event], shardUnits: Int = 1 << 17) async throws -> any ValueDistributionStore {
        let store = try await backend.make(shardUnits: shardUnits)
        for start in stride(from: 0, to: events.count, by: 50) {
            _ = try await store.ingest(Array(events[start..<min(start + 50, events.count)]))
        }
        return store
    }

    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(b)) }

    static func close(_ a: SufficientStatistics?, _ b: SufficientStatistics?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return a.count == b.count && close(a.sum, b.sum) && close(a.sumOfSquares, b.sumOfSquares)
    }

    static func close(_ a: JointStatistics?, _ b: JointStatistics?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return close(a.x, b.x) && close(a.y, b.y) && close(a.sumOfProducts, b.sumOfProducts)
    }

    /// Expects an analysis's quantile aggregates to equal the one-metric query's: the estimates (NaN alike), the events
    /// counted and the per-unit sums.
    ///
    /// - Returns: How many variants' estimates were numbers.
    @discardableResult
    static func expectSame(_ batch: QuantileMetricAggregates, _ one: QuantileMetricAggregates, _ context: String) throws -> Int {
        #expect(Set(batch.variants.keys) == Set(one.variants.keys), "\(context)")
        var numbers = 0
        for (key, v) in one.variants {
            let b = try #require(batch.variants[key])
            #expect(b.estimate == v.estimate || (b.estimate.isNaN && v.estimate.isNaN), "\(context) \(key)")
            #expect(b.events == v.events, "\(context) \(key)")
            #expect(close(b.perUnit, v.perUnit), "\(context) \(key)")
            if !v.estimate.isNaN { numbers += 1 }
        }
        return numbers
    }

    /// Shards of 7 unit ids split the 80 units into 12 queries per pass, merged in order.
    @Test(arguments: StoreBackend.allCases, [(1, 1 << 17), (2, 1 << 17), (3, 1 << 17), (1, 7), (3, 7)] as [(UInt64, Int)])
    func batchEqualsOneMetricQueries(_ backend: StoreBackend, seedAndShard: (UInt64, Int)) async throws {
        let world = ReferenceStatisticsTests.world(seed: seedAndShard.0)
        let store = try await Self.store(backend, world.events, shardUnits: seedAndShard.1)
        for asOf in [nil, at(250), at(600), at(-5_000)] {
            let scope = ExperimentScope(key: "exp", asOf: asOf)
            let result = try await store.analysis(Self.request, in: scope)
            let attribution = try await store.attribution(scope)
            #expect(result.attribution == attribution, "\(scope)")
            for (i, metric) in Self.request.metrics.enumerated() {
                let one = try await store.statistics(metric.query, in: scope)
                #expect(result.metrics[i].attribution == one.attribution)
                #expect(result.metrics[i].unitsWithEvents == one.unitsWithEvents, "\(metric.query) \(scope)")
                #expect(Set(result.metrics[i].variants.keys) == Set(one.variants.keys))
                for (key, s) in one.variants {
                    #expect(Self.close(result.metrics[i].variants[key], s), "\(metric.query) \(key) \(scope)")
                }
                guard let level = metric.quantile else { continue }
                let q = try await store.quantileStatistics(metric.query, level: level, in: scope)
                try Self.expectSame(try #require(result.quantiles[i]), q, "\(metric.query) \(scope)")
                #expect(result.histograms[i] == (try await store.valueHistograms(metric.query, in: scope)))
            }
            for (p, pair) in Self.request.pairs.enumerated() {
                let x = Self.request.metrics[pair.x].query, y = Self.request.metrics[pair.y].query
                let one = try await store.jointStatistics(x, y, in: scope)
                #expect(Set(result.pairs[p].variants.keys) == Set(one.variants.keys))
                for (key, j) in one.variants {
                    #expect(Self.close(result.pairs[p].variants[key], j), "pair \(p) \(key) \(scope)")
                }
            }
        }
    }

    /// PostgreSQL takes each quantile's estimate from the values of the bin holding it, gathered shard by shard, or
    /// (when those bins hold more than ``PostgresEventStore/analysisGatheredValues``) ranked in one statement over
    /// every unit: both give the one-metric queries' estimates and per-unit counts, at every moment.
    @Test(.enabled(if: StoreBackend.postgresURL != nil), arguments: [0, 1_000_000], [(4, 7), (5, 1 << 17)] as [(UInt64, Int)])
    func estimatesGatheredOrRankedEqualOneMetricQueries(gathered: Int, seedAndShard: (UInt64, Int)) async throws {
        let world = ReferenceStatisticsTests.world(seed: seedAndShard.0)
        let url = try await PostgresEventStore.createScratchDatabase(on: StoreBackend.postgresURL!, prefix: "rampart_test")
        let store = try await PostgresEventStore(
            url: url, maximumConnections: 2, analysisShardUnits: seedAndShard.1, analysisGatheredValues: gathered, operationTimeout: StoreBackend.postgresTimeout
        )
        for start in stride(from: 0, to: world.events.count, by: 50) {
            _ = try await store.ingest(Array(world.events[start..<min(start + 50, world.events.count)]))
        }
        var compared = 0
        for asOf in [nil, at(250), at(600), at(-5_000)] {
            let scope = ExperimentScope(key: "exp", asOf: asOf)
            let result = try await store.analysis(Self.request, in: scope)
            for (i, metric) in Self.request.metrics.enumerated() {
                guard let level = metric.quantile else { continue }
                let one = try await store.quantileStatistics(metric.query, level: level, in: scope)
                compared += try Self.expectSame(try #require(result.quantiles[i]), one, "\(metric.query) \(scope)")
            }
        }
        #expect(compared > 8)
        await store.close()
    }

    /// The same events read merged (the clustered table alone) and half still staged (its union with
    /// `events_staged`, which is how reads see events no writer has merged yet) give the same analysis and the
    /// same one-metric answers, at every moment.
    @Test(arguments: StoreBackend.sqlite, [6, 7] as [UInt64])
    func stagedEventsReadLikeMergedOnes(_ backend: StoreBackend, seed: UInt64) async throws {
        let world = ReferenceStatisticsTests.world(seed: seed)
        let half = world.events.count / 2
        let merged = try #require(try await Self.store(backend, world.events, shardUnits: 7) as? SQLiteEventStore)
        try await merged.mergeStagedEvents()
        let staged = try #require(try await Self.store(backend, Array(world.events[..<half]), shardUnits: 7) as? SQLiteEventStore)
        try await staged.mergeStagedEvents()
        for start in stride(from: half, to: world.events.count, by: 50) {
            _ = try await staged.ingest(Array(world.events[start..<min(start + 50, world.events.count)]))
        }
        #expect(try await staged.rows("SELECT count(*) FROM events_staged") == [[.number(Double(world.events.count - half))]])
        #expect(try await merged.rows("SELECT count(*) FROM events_staged") == [[.number(0)]])
        var request = AnalysisRequest(
            metrics: Self.request.metrics + [.init(MetricQuery(event: "a", value: "latency_ms"), covariateWindow: 150)],
            pairs: Self.request.pairs
        )
        request.timeline = AnalysisRequest.Timeline(metric: 3, interval: 100, maxPoints: 9)
        for asOf in [nil, at(250), at(600)] {
            let scope = ExperimentScope(key: "exp", asOf: asOf)
            let a = try await merged.analysis(request, in: scope)
            let b = try await staged.analysis(request, in: scope)
            #expect(a.attribution == b.attribution)
            #expect(try await merged.attribution(scope) == (try await staged.attribution(scope)))
            for i in request.metrics.indices {
                #expect(a.metrics[i].unitsWithEvents == b.metrics[i].unitsWithEvents, "\(i) \(scope)")
                #expect(Set(a.metrics[i].variants.keys) == Set(b.metrics[i].variants.keys))
                for (key, s) in a.metrics[i].variants { #expect(Self.close(b.metrics[i].variants[key], s), "\(i) \(key) \(scope)") }
                for (key, q) in a.quantiles[i]?.variants ?? [:] {
                    let r = try #require(b.quantiles[i]?.variants[key])
                    #expect(r.estimate == q.estimate || (r.estimate.isNaN && q.estimate.isNaN))
                    #expect(r.events == q.events)
                    #expect(Self.close(r.perUnit, q.perUnit))
                }
                #expect(a.histograms[i] == b.histograms[i])
                for (key, j) in a.covariates[i]?.variants ?? [:] { #expect(Self.close(b.covariates[i]?.variants[key], j)) }
                let query = request.metrics[i].query
                let one = try await merged.statistics(query, in: scope)
                let other = try await staged.statistics(query, in: scope)
                #expect(one.unitsWithEvents == other.unitsWithEvents)
                for (key, s) in one.variants { #expect(Self.close(other.variants[key], s), "one-metric \(i) \(key) \(scope)") }
                if let level = request.metrics[i].quantile {
                    let q1 = try await merged.quantileStatistics(query, level: level, in: scope)
                    let q2 = try await staged.quantileStatistics(query, level: level, in: scope)
                    for (key, v) in q1.variants {
                        #expect(q2.variants[key]?.events == v.events)
                        #expect(q2.variants[key]?.estimate == v.estimate || v.estimate.isNaN)
                    }
                    #expect(try await merged.valueHistograms(query, in: scope) == (try await staged.valueHistograms(query, in: scope)))
                }
            }
            for p in request.pairs.indices {
                for (key, j) in a.pairs[p].variants { #expect(Self.close(b.pairs[p].variants[key], j)) }
                let x = request.metrics[request.pairs[p].x].query, y = request.metrics[request.pairs[p].y].query
                let j1 = try await merged.jointStatistics(x, y, in: scope)
                let j2 = try await staged.jointStatistics(x, y, in: scope)
                for (key, j) in j1.variants { #expect(Self.close(j2.variants[key], j)) }
            }
            #expect(a.timeline.map(\.at) == b.timeline.map(\.at))
            for (p, q) in zip(a.timeline, b.timeline) {
                for (key, s) in p.variants { #expect(Self.close(q.variants[key], s), "timeline \(p.at) \(key)") }
            }
        }
        #expect(try await merged.eventCount() == (try await staged.eventCount()))
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func asOfMatchesTheReference(seed: UInt64) async throws {
        let world = ReferenceStatisticsTests.world(seed: seed)
        let store = try await Self.store(.sqliteInMemory, world.events)
        for seconds in [-100.0, 100, 400, 900, 5_000] {
            let moment = at(seconds)
            let scope = ExperimentScope(key: "exp", asOf: moment)
            let result = try await store.analysis(Self.request, in: scope)
            let enrolled = world.enrolment(asOf: moment)
            for variant in ["control", "treatment"] {
                #expect(result.attribution.enrolled[variant] ?? 0 == enrolled.values.filter { $0.variant == variant }.count)
            }
            #expect(result.attribution.multiVariantUnits == world.multiVariantUnits(asOf: moment))
            #expect(result.attribution.exposures == world.events.filter { $0.name == EventName.exposure && $0.properties["experiment"] == "exp" && $0.properties["phase"] == nil && $0.timestamp <= moment }.count)
            let values = world.values("a", { _ in true }, { Self.latency($0) }, indicator: false, asOf: moment)
            for variant in ["control", "treatment"] {
                let xs = values.values.filter { $0.variant == variant }.map(\.x)
                #expect(Self.close(result.metrics[2].variants[variant]?.sum ?? 0, xs.reduce(0, +)), "as of \(seconds)")
                #expect(Self.close(result.metrics[2].variants[variant]?.sumOfSquares ?? 0, xs.map { $0 * $0 }.reduce(0, +)))
            }
        }
    }

    @Test(arguments: StoreBackend.allCases, [4, 5] as [UInt64])
    func earlierMomentEqualsAStoreWithOnlyTheEarlierData(_ backend: StoreBackend, seed: UInt64) async throws {
        var world = ReferenceStatisticsTests.world(seed: seed)
        // Units that see a second variant after the moment are still enrolled as of it.
        for u in 0..<10 { world.events.append(exposure("user-\(u)", 2_000 + Double(u), u % 2 == 0 ? "treatment" : "control")) }
        let moment = at(500)
        let shards = seed == 5 ? 9 : 1 << 17
        let full = try await Self.store(backend, world.events, shardUnits: shards)
        let earlier = try await Self.store(backend, world.events.filter { $0.timestamp <= moment }, shardUnits: shards)
        let request = AnalysisRequest(
            metrics: Self.request.metrics + [.init(MetricQuery(event: "a", value: "latency_ms"), covariateWindow: 150)],
            pairs: Self.request.pairs
        )
        let asOf = try await full.analysis(request, in: ExperimentScope(key: "exp", asOf: moment))
        let only = try await earlier.analysis(request, in: ExperimentScope(key: "exp"))
        #expect(asOf.attribution == only.attribution)
        #expect(asOf.attribution.multiVariantUnits < (try await full.attribution(ExperimentScope(key: "exp"))).multiVariantUnits)
        for i in request.metrics.indices {
            #expect(asOf.metrics[i].unitsWithEvents == only.metrics[i].unitsWithEvents)
            for (key, s) in only.metrics[i].variants { #expect(Self.close(asOf.metrics[i].variants[key], s), "\(i) \(key)") }
            for (key, q) in only.quantiles[i]?.variants ?? [:] {
                #expect(asOf.quantiles[i]?.variants[key]?.estimate == q.estimate || q.estimate.isNaN)
                #expect(Self.close(asOf.quantiles[i]?.variants[key]?.perUnit, q.perUnit))
            }
            #expect(asOf.histograms[i] == only.histograms[i])
            for (key, j) in only.covariates[i]?.variants ?? [:] { #expect(Self.close(asOf.covariates[i]?.variants[key], j)) }
        }
        for p in request.pairs.indices {
            for (key, j) in only.pairs[p].variants { #expect(Self.close(asOf.pairs[p].variants[key], j)) }
        }
    }

    /// Every backend, with seeds and metrics (a sum, an indicator, a capped count).
    @Test(arguments: StoreBackend.allCases, [(1, 0), (1, 1), (1, 3), (2, 0), (2, 1), (2, 3)] as [(UInt64, Int)])
    func timelineMatchesTheReferenceAtEveryPoint(_ backend: StoreBackend, _ seedAndMetric: (UInt64, Int)) async throws {
        let (seed, metric) = seedAndMetric
        let world = ReferenceStatisticsTests.world(seed: seed)
        let store = try await Self.store(backend, world.events, shardUnits: seed == 2 ? 5 : 1 << 17)
        var request = Self.request
        request.timeline = AnalysisRequest.Timeline(metric: metric, interval: 100, maxPoints: 9)
        let moment = at(1_500)
        let result = try await store.analysis(request, in: ExperimentScope(key: "exp", asOf: moment))
        #expect(result.timeline.count <= 9)
        #expect(result.timeline.count >= 5)
        #expect(result.timeline.last?.at == moment)
        #expect(zip(result.timeline, result.timeline.dropFirst()).allSatisfy { $0.at < $1.at })
        let query = request.metrics[metric].query
        for point in result.timeline {
            let values = world.values(
                "a", { _ in true }, query.aggregation == .sum ? { Self.latency($0) } : { _ in 1 },
                indicator: query.aggregation == .indicator, cap: query.cap, asOf: point.at
            )
            for variant in ["control", "treatment"] {
                let xs = values.values.filter { $0.variant == variant }.map(\.x)
                let s = point.variants[variant]
                #expect(s?.count ?? 0 == xs.count, "\(point.at) \(variant)")
                #expect(Self.close(s?.sum ?? 0, xs.reduce(0, +)), "\(point.at) \(variant)")
                #expect(Self.close(s?.sumOfSquares ?? 0, xs.map { $0 * $0 }.reduce(0, +)), "\(point.at) \(variant)")
            }
        }
        // The last point is the analysis itself.
        for (key, s) in result.metrics[metric].variants { #expect(Self.close(result.timeline.last?.variants[key], s)) }
    }

    @Test(arguments: StoreBackend.allCases)
    func aTimelineOfAnEventNeverStoredCountsTheEnrolledUnitsWithNoValues(_ backend: StoreBackend) async throws {
        let world = ReferenceStatisticsTests.world(seed: 1)
        let store = try await Self.store(backend, world.events)
        let scope = ExperimentScope(key: "exp", asOf: at(1_500))
        var never = Self.request
        never.timeline = AnalysisRequest.Timeline(metric: 10, interval: 100, maxPoints: 9)
        var stored = Self.request
        stored.timeline = AnalysisRequest.Timeline(metric: 0, interval: 100, maxPoints: 9)
        let empty = try await store.analysis(never, in: scope).timeline
        let reference = try await store.analysis(stored, in: scope).timeline
        #expect(empty.map(\.at) == reference.map(\.at))
        #expect(empty.map { $0.variants.mapValues(\.count) } == reference.map { $0.variants.mapValues(\.count) })
        #expect(empty.allSatisfy { $0.variants.values.allSatisfy { $0.sum == 0 && $0.sumOfSquares == 0 } })
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func covariatesMatchTheReference(seed: UInt64) async throws {
        let world = ReferenceStatisticsTests.world(seed: seed)
        let store = try await Self.store(.sqliteFile, world.events, shardUnits: seed == 3 ? 6 : 1 << 17)
        let request = AnalysisRequest(metrics: [
            .init(MetricQuery(event: "a", value: "latency_ms"), covariateWindow: 150),
            .init(MetricQuery(event: "a", aggregation: .indicator), covariateWindow: 100),
            .init(MetricQuery(event: "a")),
        ])
        let result = try await store.analysis(request, in: ExperimentScope(key: "exp"))
        let enrolled = world.enrolment()
        for (i, window, indicator) in [(0, 150.0, false), (1, 100.0, true)] {
            let value: (Event) -> Double? = indicator ? { _ in 1 } : { Self.latency($0) }
            var pre: [String: Double] = [:], any: Set<String> = []
            for e in world.events where e.name == "a" {
                guard let (_, first) = enrolled[e.unit], e.timestamp < first, e.timestamp >= first.addingTimeInterval(-window) else { continue }
                pre[e.unit, default: 0] += value(e) ?? 0
                any.insert(e.unit)
            }
            let post = world.values("a", { _ in true }, value, indicator: indicator)
            for variant in ["control", "treatment"] {
                let units = post.keys.filter { post[$0]!.variant == variant }
                let x = units.map { indicator ? (any.contains($0) ? 1.0 : 0) : (pre[$0] ?? 0) }
                let y = units.map { post[$0]!.x }
                let j = try #require(result.covariates[i]?.variants[variant])
                #expect(j.x.count == units.count)
                #expect(Self.close(j.x.sum, x.reduce(0, +)))
                #expect(Self.close(j.x.sumOfSquares, x.map { $0 * $0 }.reduce(0, +)))
                #expect(Self.close(j.sumOfProducts, zip(x, y).map { $0 * $1 }.reduce(0, +)))
                #expect(Self.close(j.y, result.metrics[i].variants[variant]))
            }
        }
        // A covariate window on one metric leaves the others on that event name unchanged.
        let plain = try await store.statistics(MetricQuery(event: "a"), in: ExperimentScope(key: "exp"))
        for (key, s) in plain.variants { #expect(Self.close(result.metrics[2].variants[key], s)) }
    }

    @Test func rebuildingExposureUnitsFromEventsGivesWhatIngestionMaintained() async throws {
        var world = ReferenceStatisticsTests.world(seed: 9)
        for u in 0..<20 { world.events.append(exposure("user-\(u)", Double(u * 37 % 300), u % 3 == 0 ? "treatment" : "control")) }
        var random = TestRandom(state: 3)
        random.shuffle(&world.events)
        let store = try #require(try await Self.store(.sqliteInMemory, world.events) as? SQLiteEventStore)
        let sql = """
            SELECT experiment_id, unit_id, CASE WHEN multi_ts IS NULL OR multi_ts > first_ts THEN variant_id END,
                first_ts, multi_ts, last_ts, exposures
            FROM exposure_units ORDER BY experiment_id, unit_id
            """
        let maintained = try await store.rows(sql)
        #expect(maintained.count > 50)
        #expect(maintained.contains { $0[4] != .null })
        try await store.writer.write { db in try SQLiteEventStore.rebuildExposureUnits(db) }
        #expect(try await store.rows(sql) == maintained)
    }

    @Test func emptyAndInvalidRequests() async throws {
        let store = try SQLiteEventStore(inMemoryWith: .init())
        let empty = try await store.analysis(Self.request, in: ExperimentScope(key: "nobody"))
        #expect(empty.attribution == Attribution())
        #expect(empty.metrics.count == Self.request.metrics.count)
        #expect(empty.pairs.count == Self.request.pairs.count)
        await #expect(throws: RampartError.self) {
            _ = try await store.analysis(AnalysisRequest(metrics: [.init(MetricQuery(event: "a"), quantile: 1.5)]), in: ExperimentScope(key: "x"))
        }
        await #expect(throws: RampartError.self) {
            _ = try await store.analysis(AnalysisRequest(metrics: [.init(MetricQuery(event: "a", filter: ["x": ["$regex": "y"]]))]), in: ExperimentScope(key: "x"))
        }
        await #expect(throws: RampartError.self) {
            _ = try await store.analysis(AnalysisRequest(metrics: [], pairs: [.init(x: 0, y: 1)]), in: ExperimentScope(key: "x"))
        }
    }
}

extension ReferenceStatisticsTests.World {
    /// Exposures of experiment "exp", phase 0, up to a moment.
    func exposures(asOf moment: Date) -> [Event] {
        events.filter { $0.name == EventName.exposure && $0.properties["experiment"] == "exp" && $0.properties["phase"] == nil && $0.timestamp <= moment }
    }

    /// Units enrolled as of a moment: exposed by then, to one variant only by then.
    func enrolment(asOf moment: Date) -> [String: (variant: String, first: Date)] {
        var variants: [String: Set<String>] = [:]
        var first: [String: Date] = [:]
        for e in exposures(asOf: moment) {
            variants[e.unit, default: []].insert(e.properties["variant"]!.stringValue!)
            first[e.unit] = min(first[e.unit] ?? e.timestamp, e.timestamp)
        }
        var result: [String: (String, Date)] = [:]
        for (unit, set) in variants where set.count == 1 { result[unit] = (set.first!, first[unit]!) }
        return result
    }

    func multiVariantUnits(asOf moment: Date) -> Int {
        var variants: [String: Set<String>] = [:]
        for e in exposures(asOf: moment) { variants[e.unit, default: []].insert(e.properties["variant"]!.stringValue!) }
        return variants.values.filter { $0.count > 1 }.count
    }

    /// Per-unit values as of a moment, for units enrolled then.
    func values(_ name: String, _ matches: (Event) -> Bool, _ value: (Event) -> Double?, indicator: Bool, cap: Double? = nil, asOf moment: Date) -> [String: (variant: String, x: Double)] {
        let enrolled = enrolment(asOf: moment)
        var sums: [String: Double] = [:]
        var any: Set<String> = []
        for e in events where e.name == name && e.timestamp <= moment {
            guard let (_, first) = enrolled[e.unit], e.timestamp >= first, matches(e) else { continue }
            any.insert(e.unit)
            sums[e.unit, default: 0] += value(e) ?? 0
        }
        var result: [String: (variant: String, x: Double)] = [:]
        for (unit, enrolment) in enrolled {
            var x = indicator ? (any.contains(unit) ? 1.0 : 0.0) : (sums[unit] ?? 0)
            if let cap { x = min(x, cap) }
            result[unit] = (enrolment.variant, x)
        }
        return result
    }
}
