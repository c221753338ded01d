import Foundation
import PostgresNIO
import RampartCore

extension PostgresEventStore {
    /// Everything an analysis needs, computed in PostgreSQL by the one-metric queries, all in one
    /// `REPEATABLE READ` snapshot: per metric its statistics, quantile and histograms; the CUPED covariates (the
    /// same per-unit aggregate over `[first exposure − window, first exposure)`, joined to the metric); the pairs'
    /// joint statistics; the timeline, as the statistics as of each of its moments (``TimelineSweep/moments``).
    ///
    /// An analysis as of an earlier UTC day is answered from memory while no event of its names or exposure dated on
    /// or before that day has been stored since it was read (``PastAnalysisCache``); the marker is read in the
    /// analysis's snapshot.
    public func analysis(_ request: AnalysisRequest, in experiment: ExperimentScope) async throws -> AnalysisResult {
        try SQLiteEventStore.validate(request)
        return try await read("analysing \(experiment)") { c in
            try await self.pastAnalyses.analysis(
                request, in: experiment,
                marker: { names, day in try await self.storedEvents(of: names, through: day, on: c) },
                analyse: {
                    let members = try await self.segmentMembers(experiment, on: c)
                    return try await Self.$segmentUnits.withValue(members) { try await self.analysis(request, in: experiment, on: c) }
                }
            )
        }
    }

    /// ``analysis(_:in:)`` inside its transaction (restricted to ``segmentUnits`` when set).
    ///
    /// The events are read in passes (``PostgresAnalysisPass``): one per group of event names that pairs join, each
    /// metric's statistics, the covariates, the pairs and the quantiles' per-unit counts in it; a quantile's
    /// histogram first, then its estimate from the one bin that holds it, then its name's pass. Every read covers one
    /// shard of unit ids (``analysisShardUnits``), and the reads run on ``analysisConnections`` connections sharing
    /// this transaction's snapshot (``sharingSnapshot(_:on:)``); shards are merged in unit order, so the result does
    /// not depend on how many connections read.
    func analysis(_ request: AnalysisRequest, in experiment: ExperimentScope, on c: PostgresConnection) async throws -> AnalysisResult {
        guard let experimentID = try await self.experimentID(experiment, on: c) else {
            return SQLiteEventStore.empty(request)
        }
        let asOf = experiment.asOfMilliseconds
        // The attribution's counts and the units' arrays, read side by side.
        let shards = try await self.shards(experimentID, on: c)
        enum Start: Sendable {
            case attribution(Attribution)
            case units(PostgresUnitArrays)
        }
        let reads: [@Sendable (PostgresConnection) async throws -> Start] = [
            { Start.attribution(try await self.attribution(experiment, asOf: asOf, on: $0)) },
            { Start.units(try await self.unitArrays(experiment: experimentID, asOf: asOf, shards: shards, on: $0)) },
        ]
        var read: (attribution: Attribution?, units: PostgresUnitArrays?) = (nil, nil)
        for start in try await sharingSnapshot(reads, on: c) {
            switch start {
            case .attribution(let a): read.attribution = a
            case .units(let u): read.units = u
            }
        }
        guard let attribution = read.attribution, let units = read.units else {
            throw RampartError(.storage, "internal: the attribution or the unit arrays were not read")
        }
        var result = SQLiteEventStore.empty(request)
        result.attribution = attribution
        var nameIDs: [String: Int64] = [:]
        for name in Set(request.metrics.map(\.query.event)) {
            nameIDs[name] = try await nameID(name, on: c)
        }
        let counts = attribution.enrolled.mapValues { SufficientStatistics(count: $0) }
        for i in request.metrics.indices {
            result.metrics[i] = MetricAggregates(variants: counts, unitsWithEvents: [:], attribution: attribution)
            if let level = request.metrics[i].quantile {
                result.quantiles[i] = QuantileMetricAggregates(
                    level: level,
                    variants: attribution.enrolled.mapValues { _ in QuantileAggregates(estimate: .nan, events: 0, perUnit: JointStatistics()) },
                    attribution: attribution
                )
                result.histograms[i] = [:]
            }
            if request.metrics[i].covariateWindow != nil { result.covariates[i] = try await joint(nil, nil, attribution: attribution, on: c) }
        }
        for p in request.pairs.indices { result.pairs[p] = try await joint(nil, nil, attribution: attribution, on: c) }
        let variantIDs = Dictionary(try await self.variantIDs(experimentID, on: c), uniquingKeysWith: { first, _ in first })
        // The passes: names joined by a pair read together.
        var group = Dictionary(uniqueKeysWithValues: nameIDs.keys.map { ($0, $0) })
        func root(_ name: String) -> String { group[name] == name ? name : root(group[name]!) }
        var separatePairs: [Int] = []
        for (p, pair) in request.pairs.enumerated() {
            let x = request.metrics[pair.x].query.event, y = request.metrics[pair.y].query.event
            if group[x] != nil, group[y] != nil {
                let (rx, ry) = (root(x), root(y))
                group[rx] = ry
            } else {
                separatePairs.append(p)
            }
        }
        var passes: [String: PostgresAnalysisPass] = [:]
        for (i, metric) in request.metrics.enumerated() {
            guard let name = nameIDs[metric.query.event] else { continue }
            let key = root(metric.query.event)
            var pass = passes[key] ?? PostgresAnalysisPass()
            if !pass.names.contains(name) { pass.names.append(name) }
            let m = PostgresAnalysisPass.Metric(index: i, query: metric.query, name: name)
            pass.metrics.append(m)
            if let window = metric.covariateWindow {
                pass.covariates.append(PostgresAnalysisPass.Covariate(metric: m, window: EventPass.milliseconds(window)))
            }
            passes[key] = pass
        }
        for (p, pair) in request.pairs.enumerated() where !separatePairs.contains(p) {
            let key = root(request.metrics[pair.x].query.event)
            let positions = passes[key]!.metrics.map(\.index)
            passes[key]!.pairs.append((p, positions.firstIndex(of: pair.x)!, positions.firstIndex(of: pair.y)!))
        }
        let ordered = passes.keys.sorted().map { passes[$0]! }
        let quantiled = request.metrics.indices.filter { request.metrics[$0].quantile != nil && nameIDs[request.metrics[$0].query.event] != nil }
        var timeline: TimelinePlan?
        if let wanted = request.timeline {
            timeline = try await self.timelinePlan(wanted, query: request.metrics[wanted.metric].query, scope: experiment, experimentID: experimentID, on: c)
        }

        // First reads: the passes without quantiles, the quantiles' histograms, the timeline, the pairs with a name never stored.
        enum Output: Sendable {
            case pass(PostgresAnalysisPass.Partial)
            case binned([String: PostgresEventStore.BinnedValues])
            case timeline([String: [TimelineChange]])
            case joint(JointMetricAggregates)
        }
        var jobs: [@Sendable (PostgresConnection) async throws -> Output] = []
        let plain = ordered.filter { pass in !pass.metrics.contains { request.metrics[$0.index].quantile != nil } }
        for pass in plain {
            for shard in units.shards { jobs.append { try await Output.pass(self.partial(pass, asOf: asOf, units: shard, on: $0)) } }
        }
        for i in quantiled {
            let query = request.metrics[i].query, ids = (experimentID, nameIDs[query.event]!)
            for shard in units.shards {
                let source = try Self.subscripted(query, name: ids.1, asOf: asOf, units: shard)
                jobs.append { try await Output.binned(self.binnedValues(query, source: source, on: $0)) }
            }
        }
        if let timeline {
            for shard in shards { jobs.append { try await Output.timeline(self.timelineChanges(timeline, shard: shard, on: $0)) } }
        }
        for p in separatePairs {
            let x = try await perUnit(request.metrics[request.pairs[p].x].query, experiment: experimentID, asOf: asOf, on: c)
            let y = try await perUnit(request.metrics[request.pairs[p].y].query, experiment: experimentID, asOf: asOf, on: c)
            jobs.append { try await Output.joint(self.joint(x, y, attribution: attribution, on: $0)) }
        }
        var outputs = try await sharingSnapshot(jobs, on: c)[...]
        var partials: [PostgresAnalysisPass.Partial] = []
        for _ in plain {
            var merged = PostgresAnalysisPass.Partial()
            for _ in shards { if case .pass(let p) = outputs.removeFirst() { merged.merge(p) } }
            partials.append(merged)
        }
        var binned: [Int: [String: BinnedValues]] = [:]
        for i in quantiled {
            var merged: [String: BinnedValues] = [:]
            for _ in shards {
                if case .binned(let b) = outputs.removeFirst() { for (key, values) in b { merged[key, default: BinnedValues()].merge(values) } }
            }
            binned[i] = merged
            result.histograms[i] = merged.mapValues { ValueHistogram.fromLogBins($0.bins, nonPositive: $0.nonPositive) }
        }
        if let timeline {
            var changes: [String: [TimelineChange]] = [:]
            for _ in shards {
                guard case .timeline(let shardChanges) = outputs.removeFirst() else { continue }
                for (key, deltas) in shardChanges {
                    var mine = changes[key] ?? Array(repeating: TimelineChange(), count: deltas.count)
                    for k in deltas.indices { mine[k].add(deltas[k]) }
                    changes[key] = mine
                }
            }
            result.timeline = timeline.points(changes)
        }
        for p in separatePairs {
            if case .joint(let j) = outputs.removeFirst() { result.pairs[p] = j }
        }

        // Then the quantiles' estimates, then the passes that count per unit the values at or below them.
        let estimates = try await quantileEstimates(
            request, metrics: quantiled, binned: binned, nameIDs: nameIDs,
            variantIDs: variantIDs.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
            units: units, asOf: asOf, experimentID: experimentID, on: c
        )
        var late = ordered.filter { pass in pass.metrics.contains { request.metrics[$0.index].quantile != nil } }
        for p in late.indices {
            late[p].quantiles = late[p].metrics.compactMap { m in
                estimates[m.index].map { PostgresAnalysisPass.Quantile(metric: m, estimates: $0) }
            }
        }
        var lateJobs: [@Sendable (PostgresConnection) async throws -> Output] = []
        for pass in late {
            for shard in units.shards { lateJobs.append { try await Output.pass(self.partial(pass, asOf: asOf, units: shard, on: $0)) } }
        }
        var lateOutputs = try await sharingSnapshot(lateJobs, on: c)[...]
        for _ in late {
            var merged = PostgresAnalysisPass.Partial()
            for _ in shards { if case .pass(let p) = lateOutputs.removeFirst() { merged.merge(p) } }
            partials.append(merged)
        }

        // The results, pass by pass.
        for (pass, partial) in zip(plain + late, partials) {
            for (key, values) in partial.metrics {
                for (m, v) in zip(pass.metrics, values) where v.units > 0 {
                    result.metrics[m.index].variants[key, default: SufficientStatistics()].sum = v.sum
                    result.metrics[m.index].variants[key, default: SufficientStatistics()].sumOfSquares = v.squares
                    result.metrics[m.index].unitsWithEvents[key] = v.units
                }
            }
            for (key, joints) in partial.joints {
                for (j, sums) in joints.enumerated() {
                    let index = j < pass.covariates.count ? pass.covariates[j].metric.index : nil
                    var s = (index.map { result.covariates[$0]! } ?? result.pairs[pass.pairs[j - pass.covariates.count].pair]).variants[key] ?? JointStatistics()
                    s.x.sum = sums[0]
                    s.x.sumOfSquares = sums[1]
                    s.y.sum = sums[2]
                    s.y.sumOfSquares = sums[3]
                    s.sumOfProducts = sums[4]
                    if let index {
                        result.covariates[index]!.variants[key] = s
                    } else {
                        result.pairs[pass.pairs[j - pass.covariates.count].pair].variants[key] = s
                    }
                }
            }
            for (key, quantiles) in partial.quantiles {
                for (q, sums) in zip(pass.quantiles, quantiles) where sums.units > 0 {
                    let perUnit = JointStatistics(
                        x: SufficientStatistics(count: sums.units, sum: sums.sums[0], sumOfSquares: sums.sums[1]),
                        y: SufficientStatistics(count: sums.units, sum: sums.sums[2], sumOfSquares: sums.sums[3]),
                        sumOfProducts: sums.sums[4]
                    )
                    let i = q.metric.index
                    let estimate = variantIDs[key].flatMap { q.estimates[$0] } ?? .nan
                    result.quantiles[i]!.variants[key] = QuantileAggregates(estimate: estimate, events: binned[i]?[key]?.count ?? 0, perUnit: perUnit)
                }
            }
        }
        return result
    }

    /// The unit-id ranges an analysis reads, each at most ``analysisShardUnits`` ids wide, over the experiment's units.
    func shards(_ experimentID: Int64, on c: PostgresConnection) async throws -> [Range<Int64>] {
        let (low, high) = try await rows(Statement(
            "SELECT min(unit_id)::bigint, max(unit_id)::bigint FROM exposure_units WHERE experiment_id = ?::integer", [.int(experimentID)]
        ), on: c)[0].decode((Int64?, Int64?).self)
        guard let low, let high else { return [0..<1] }
        let size = Int64(analysisShardUnits)
        return stride(from: low, through: high, by: Int(size)).map { $0..<min($0 + size, high + 1) }
    }

    /// One shard of a pass.
    func partial(_ pass: PostgresAnalysisPass, asOf: Int64, units: PostgresUnitArrays.Shard, on c: PostgresConnection) async throws -> PostgresAnalysisPass.Partial {
        let statement = try pass.sql(asOf: asOf, units: units)
        var keys: [String] = []
        var values: [[Double]] = []
        for row in try await rows(statement, on: c) {
            var cells = row.makeIterator()
            keys.append(try cells.next()!.decode(String.self))
            var numbers: [Double] = []
            while let cell = cells.next() { numbers.append(try cell.decode(Double.self)) }
            values.append(numbers)
        }
        return pass.decode(values, keys: keys)
    }

    /// One bucket's changes of a timeline: units entering (+) or leaving (−) the count, Σx and Σx².
    struct TimelineChange: Sendable {
        var units: Int64 = 0
        var sum: Double = 0
        var squares: Double = 0

        mutating func add(_ other: TimelineChange) {
            units += other.units
            sum += other.sum
            squares += other.squares
        }
    }

    /// A timeline's moments and the statement's parts, before its reads.
    struct TimelinePlan: Sendable {
        let query: MetricQuery
        let experimentID: Int64
        let name: Int64?
        let moments: [(Int64, Date)]
        let buckets: TimelineBuckets?

        /// The points from the merged changes: the changes accumulated over the buckets in order.
        func points(_ changes: [String: [TimelineChange]]) -> [TimelineAggregates] {
            var running = changes.mapValues { _ in SufficientStatistics() }
            return moments.indices.map { k in
                for (key, deltas) in changes {
                    running[key]!.count += Int(deltas[k].units)
                    running[key]!.sum += deltas[k].sum
                    running[key]!.sumOfSquares += deltas[k].squares
                }
                let enrolled = running.filter { $0.value.count > 0 }.mapValues {
                    SufficientStatistics(count: $0.count, sum: $0.sum, sumOfSquares: max(0, $0.sumOfSquares))
                }
                return TimelineAggregates(at: moments[k].1, variants: enrolled)
            }
        }
    }

    /// The timeline's moments (``TimelineSweep/moments``) and buckets.
    func timelinePlan(_ timeline: AnalysisRequest.Timeline, query: MetricQuery, scope: ExperimentScope, experimentID: Int64, on c: PostgresConnection) async throws -> TimelinePlan {
        let asOf = scope.asOfMilliseconds
        let bounds = try await rows(Statement(
            "SELECT min(first_ts), max(first_ts) FROM exposure_units WHERE experiment_id = ?::integer AND first_ts <= ?",
            [.int(experimentID), .int(asOf)]
        ), on: c)[0].decode((Int64?, Int64?).self)
        let moments = TimelineSweep.moments(timeline, origin: bounds.0, latestFirst: bounds.1, asOf: asOf)
        let buckets = moments.isEmpty ? nil : try TimelineBuckets(moments.map(\.0))
        return TimelinePlan(query: query, experimentID: experimentID, name: try await nameID(query.event, on: c), moments: moments, buckets: buckets)
    }

    /// The timeline's changes per variant and bucket over one shard of units.
    ///
    /// Each event falls in the first moment at or after it (its bucket); per unit, the cumulative value at each
    /// bucket where it has events gives the changes of x and x² there; a unit enters its variant's count at the
    /// bucket of its first exposure and leaves it, with its value, at the bucket where it became multi-variant.
    /// Summing the changes per variant and bucket, then accumulating over the buckets in order
    /// (``TimelinePlan/points(_:)``), gives each moment's Σx and Σx², as if each moment had been computed on its own.
    func timelineChanges(_ plan: TimelinePlan, shard: Range<Int64>?, on c: PostgresConnection) async throws -> [String: [TimelineChange]] {
        guard let end = plan.moments.last?.0, let buckets = plan.buckets else { return [:] }
        var changes = [String: [TimelineChange]]()
        let empty = Array(repeating: TimelineChange(), count: plan.moments.count)
        if let name = plan.name {
            let statement = try Self.timelineSQL(plan.query, experiment: plan.experimentID, name: name, buckets: buckets, end: end, shard: shard)
            for row in try await rows(statement, on: c) {
                let (key, k, units, sum, squares) = try row.decode((String, Int64, Int64, Double, Double).self)
                changes[key, default: empty][Int(k) - 1] = TimelineChange(units: units, sum: sum, squares: squares)
            }
        } else {
            // No event of the metric's name: only the enrolled counts change.
            for row in try await rows(Self.enrolmentChangesSQL(experiment: plan.experimentID, buckets: buckets, end: end, shard: shard), on: c) {
                let (key, k, units) = try row.decode((String, Int64, Int64).self)
                changes[key, default: empty][Int(k) - 1].units = units
            }
        }
        return changes
    }

    /// Per variant and bucket: units entering (+1 at the bucket of their first exposure) and leaving (−1 at the bucket
    /// where they became multi-variant) the count.
    static func enrolmentChangesSQL(experiment: Int64, buckets: TimelineBuckets, end: Int64, shard: Range<Int64>? = nil) -> Statement {
        let u = unitsSQL(experiment: experiment, buckets: buckets, end: end, shard: shard)
        return Statement("""
            WITH u AS (\(u.sql))
            SELECT v.key, t.k, t.n FROM (
                SELECT d.variant_id, d.k, sum(d.n)::bigint AS n FROM (
                    SELECT variant_id, kb AS k, 1 AS n FROM u UNION ALL SELECT variant_id, km, -1 FROM u WHERE km <= \(buckets.count)
                ) AS d GROUP BY 1, 2
            ) AS t JOIN variants AS v ON v.id = t.variant_id
            """, u.values)
    }

    /// The experiment's units exposed by `end`, with the buckets of their first exposure (`kb`) and of their
    /// becoming multi-variant (`km`, past the last bucket when they never did).
    static func unitsSQL(experiment: Int64, buckets: TimelineBuckets, end: Int64, shard: Range<Int64>? = nil) -> Statement {
        let first = buckets.sql("f.first_ts"), multi = buckets.sql("f.multi_ts")
        return Statement("""
            SELECT f.unit_id, f.variant_id, f.first_ts, \(first.sql) AS kb,
                CASE WHEN f.multi_ts IS NULL OR f.multi_ts > ? THEN \(buckets.count + 1) ELSE \(multi.sql) END AS km
            FROM exposure_units AS f WHERE f.experiment_id = ? AND f.first_ts <= ?\(shard == nil ? "" : " AND f.unit_id >= ? AND f.unit_id < ?")
            """, first.values + [.int(end)] + multi.values + [.int(experiment), .int(end)] + (shard.map { [.int($0.lowerBound), .int($0.upperBound)] } ?? []))
    }

    /// The changes of the enrolled count, Σx and Σx² per variant and bucket (see ``timelineChanges(_:shard:on:)``).
    static func timelineSQL(_ query: MetricQuery, experiment: Int64, name: Int64, buckets: TimelineBuckets, end: Int64, shard: Range<Int64>? = nil) throws -> Statement {
        let u = unitsSQL(experiment: experiment, buckets: buckets, end: end, shard: shard)
        let filter = try PostgresMetricSQL.filter(query)
        let bucket = buckets.sql("e.ts")
        let amount: Statement
        if query.aggregation == .sum, let value = query.value {
            let number = try PostgresMetricSQL.Column(value).number
            amount = Statement("coalesce(sum(\(number.sql)), 0)", number.values)
        } else {
            amount = Statement("0::double precision")
        }
        // The unit's value from its cumulative count `cc` and sum `cs`, as ``PostgresMetricSQL/aggregate(_:)``.
        var x: Statement
        switch query.aggregation {
        case .indicator: x = Statement("1::double precision")
        case .count: x = Statement("cc")
        case .sum: x = Statement("cs")
        }
        if let cap = query.cap { x = Statement("least(\(x.sql), ?::double precision)", x.values + [.double(cap)]) }
        let sql = """
            WITH u AS (\(u.sql)),
            per AS (
                SELECT e.unit_id, u.variant_id, u.km, \(bucket.sql) AS b, count(*)::double precision AS n, \(amount.sql) AS s
                FROM events AS e JOIN u ON u.unit_id = e.unit_id
                WHERE e.name_id = ? AND e.ts >= u.first_ts AND e.ts <= ?\(shard == nil ? "" : " AND e.unit_id >= ? AND e.unit_id < ?") AND (\(filter.sql))
                GROUP BY 1, 2, 3, 4
            ),
            cum AS (
                SELECT unit_id, variant_id, km, b,
                    sum(n) OVER (PARTITION BY unit_id ORDER BY b) AS cc, sum(s) OVER (PARTITION BY unit_id ORDER BY b) AS cs
                FROM per WHERE b < km
            ),
            vals AS (
                SELECT unit_id, variant_id, km, b, \(x.sql) AS x FROM cum
            ),
            d AS (
                SELECT variant_id, km, b, x,
                    coalesce(lag(x) OVER w, 0) AS px, lead(b) OVER w IS NULL AS last
                FROM vals WINDOW w AS (PARTITION BY unit_id ORDER BY b)
            )
            SELECT v.key, t.k, t.n, t.d1, t.d2 FROM (
                SELECT c.variant_id, c.k, sum(c.n)::bigint AS n, sum(c.d1)::double precision AS d1, sum(c.d2)::double precision AS d2 FROM (
                    SELECT variant_id, b AS k, 0 AS n, x - px AS d1, x * x - px * px AS d2 FROM d
                    UNION ALL SELECT variant_id, km, 0, -x, -x * x FROM d WHERE last AND km <= \(buckets.count)
                    UNION ALL SELECT variant_id, kb, 1, 0, 0 FROM u
                    UNION ALL SELECT variant_id, km, -1, 0, 0 FROM u WHERE km <= \(buckets.count)
                ) AS c GROUP BY 1, 2
            ) AS t JOIN variants AS v ON v.id = t.variant_id
            """
        let range: [Value] = shard.map { [.int($0.lowerBound), .int($0.upperBound)] } ?? []
        return Statement(sql, u.values + bucket.values + amount.values + [.int(name), .int(end)] + range + filter.values + x.values)
    }
}
