import Foundation
import GRDB
import RampartCore

extension SQLiteEventStore {
    /// Everything an analysis needs, reading each event name once (twice for names with a quantile metric).
    ///
    /// First the experiment's `exposure_units` rows are read into a ``UnitTable`` (dense arrays by unit id: first
    /// exposure, variant, multi-variant moment, as of the scope's moment), which also gives the attribution. Then
    /// one ``EventPass`` per event name computes every metric on it; SQL functions read the unit table, so an
    /// event's attribution costs an array read instead of a B-tree lookup. Passes run concurrently on separate
    /// connections (``Configuration/analysisConcurrency``).
    ///
    /// An analysis as of an earlier UTC day is answered from memory while no event of its names or exposure dated on
    /// or before that day has been stored since it was read (``PastAnalysisCache``).
    public func analysis(_ request: AnalysisRequest, in experiment: ExperimentScope) async throws -> AnalysisResult {
        try Self.validate(request)
        return try await pastAnalyses.analysis(
            request, in: experiment,
            marker: { names, day in try await self.read { db in try Self.storedEvents(of: names, through: day, db: db) } },
            analyse: { try await self.readAnalysis(request, in: experiment) }
        )
    }

    /// The stored events of `names` dated on or before `day` (``PastAnalysisCache/day(_:)``), from `event_days`.
    static func storedEvents(of names: [String], through day: Int64, db: Database) throws -> Int {
        let list = names.map { _ in "?" }.joined(separator: ", ")
        return try Int.fetchOne(db, sql: """
            SELECT coalesce(sum(d.n), 0) FROM event_days AS d JOIN event_names AS n ON n.id = d.name_id
            WHERE n.name IN (\(list)) AND d.day <= ?
            """, arguments: StatementArguments(names) + [day]) ?? 0
    }

    /// ``analysis(_:in:)`` read from the events.
    func readAnalysis(_ request: AnalysisRequest, in experiment: ExperimentScope) async throws -> AnalysisResult {
        guard let units = try await read({ db in try UnitTable.load(experiment, db: db, members: try Self.segmentMembers(experiment, db: db)) }) else {
            return Self.empty(request)
        }
        let names = Array(Set(request.metrics.map(\.query.event))).sorted()
        let nameIDs = try await read { db in
            var ids: [String: Int64] = [:]
            for name in names {
                ids[name] = try Int64.fetchOne(db, sql: "SELECT id FROM event_names WHERE name = ?", arguments: [name])
            }
            return ids
        }
        let moments = request.timeline.map { TimelineSweep.moments($0, units: units) } ?? []
        let sweep = request.timeline.map { timeline in
            let query = request.metrics[timeline.metric].query
            return TimelineSweep(
                boundaries: moments.map(\.0), moments: moments.map(\.1), aggregation: query.aggregation, cap: query.cap,
                variants: units.variantKeys.count
            )
        }
        let passes = try Self.plan(request, nameIDs: nameIDs)
        let outputs = try await runPasses(passes, units: units, sweep: sweep, timelineName: request.timeline.map { request.metrics[$0.metric].query.event })
        return Self.assemble(request, units: units, outputs: outputs, sweep: sweep)
    }

    static func validate(_ request: AnalysisRequest) throws {
        for metric in request.metrics {
            try metric.query.validate()
            if let level = metric.quantile {
                guard level > 0, level < 1 else {
                    throw RampartError(.invalidInput, "quantile level must be in (0, 1), found \(level)")
                }
                guard metric.query.value != nil else {
                    throw RampartError(.invalidInput, "a quantile of '\(metric.query.event)' needs a value property to rank")
                }
            }
            if let window = metric.covariateWindow, !(window >= 0) {
                throw RampartError(.invalidInput, "a covariate window must be 0 or more seconds, found \(window)")
            }
        }
        for pair in request.pairs where !request.metrics.indices.contains(pair.x) || !request.metrics.indices.contains(pair.y) {
            throw RampartError(.invalidInput, "pair (\(pair.x), \(pair.y)) names a metric the request does not have")
        }
        if let timeline = request.timeline {
            guard request.metrics.indices.contains(timeline.metric), request.metrics[timeline.metric].quantile == nil else {
                throw RampartError(.invalidInput, "the timeline needs a count, sum or indicator metric of the request")
            }
        }
    }

    /// One pass per stored event name, its metrics added in request order.
    static func plan(_ request: AnalysisRequest, nameIDs: [String: Int64]) throws -> [EventPass] {
        let paired = Set(request.pairs.flatMap { [$0.x, $0.y] })
        var passes: [String: EventPass] = [:]
        for metric in request.metrics {
            let name = metric.query.event
            guard let id = nameIDs[name] else { continue }
            var pass = passes[name] ?? EventPass(name: name, nameID: id)
            pass.window = max(pass.window, metric.covariateWindow.map(EventPass.milliseconds) ?? 0)
            passes[name] = pass
        }
        if let timeline = request.timeline { passes[request.metrics[timeline.metric].query.event]?.temporary = true }
        for (i, metric) in request.metrics.enumerated() {
            try passes[metric.query.event]?.add(i, metric, keep: paired.contains(i))
        }
        if let timeline = request.timeline {
            try passes[request.metrics[timeline.metric].query.event]?.addTimeline(timeline.metric, request.metrics[timeline.metric].query)
        }
        // Names with a quantile read twice: start them first.
        return passes.values.sorted { ($0.quantiles.isEmpty ? 1 : 0, -$0.columns.count, $0.name) < ($1.quantiles.isEmpty ? 1 : 0, -$1.columns.count, $1.name) }
    }

    /// Runs the passes, each split into shards of ``Configuration/analysisShardUnits`` unit ids so that the work divides evenly between
    /// connections, at most ``Configuration/analysisConcurrency`` shards at a time; then the quantiles' second
    /// reads, sharded the same way. Shards are merged in unit order, so results do not depend on the concurrency.
    func runPasses(_ passes: [EventPass], units: UnitTable, sweep: TimelineSweep?, timelineName: String?) async throws -> [PassOutput] {
        let width = max(1, configuration.analysisConcurrency)
        let shards = analysisShards(units)
        let work = passes.flatMap { pass in shards.map { (pass, $0) } }
        let firsts = try await bounded(width, work.map { pass, shard in
            let passSweep = pass.name == timelineName ? sweep : nil
            return { @Sendable in try await self.read { db in try Self.runFirst(pass, shard: shard, units: units, sweep: passSweep, db: db) } }
        })
        var outputs: [PassOutput] = []
        for p in passes.indices {
            var output = firsts[p * shards.count]
            for s in 1..<shards.count { output.merge(firsts[p * shards.count + s]) }
            outputs.append(output)
        }
        let quantiled = outputs.indices.filter { !outputs[$0].pass.quantiles.isEmpty }
        let secondWork = quantiled.flatMap { i in shards.map { (outputs[i], $0) } }
        let seconds = try await bounded(width, secondWork.map { first, shard in
            { @Sendable in try await self.read { db in try Self.runSecond(first, shard: shard, units: units, db: db) } }
        })
        for (k, i) in quantiled.enumerated() {
            var states = seconds[k * shards.count]
            for s in 1..<shards.count { QuantileSelector.merge(&states, seconds[k * shards.count + s]) }
            outputs[i].quantiles = QuantileSelector.selections(states)
        }
        return outputs
    }

    /// The unit-id ranges of an analysis's reads, each at most ``Configuration/analysisShardUnits`` wide, over the unit
    /// table's ids (one empty range when it has none).
    func analysisShards(_ units: UnitTable) -> [Range<Int>] {
        let size = max(1, configuration.analysisShardUnits)
        let ranges = stride(from: 0, to: units.count, by: size).map { $0..<min($0 + size, units.count) }
        return ranges.isEmpty ? [0..<0] : ranges
    }

    /// Runs jobs, at most `width` at a time; the results in the jobs' order.
    func bounded<T: Sendable>(_ width: Int, _ jobs: [@Sendable () async throws -> T]) async throws -> [T] {
        try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var results = [T?](repeating: nil, count: jobs.count)
            var next = 0
            var running = 0
            while next < jobs.count || running > 0 {
                while next < jobs.count, running < width {
                    let (index, job) = (next, jobs[next])
                    group.addTask { (index, try await job()) }
                    next += 1
                    running += 1
                }
                if let (index, result) = try await group.next() {
                    results[index] = result
                    running -= 1
                }
            }
            return results.map { $0! }
        }
    }

    /// The first read of one pass over one shard of units.
    static func runFirst(_ pass: EventPass, shard: Range<Int>, units: UnitTable, sweep: TimelineSweep?, db: Database) throws -> PassOutput {
        let accumulator = PassAccumulator(pass: pass, units: units, shard: shard, timeline: sweep)
        let statements = pass.statements(asOf: units.asOf, shard: shard, staged: try hasStagedEvents(db))
        try AnalysisFunctions.with(db, units: units, accumulator: accumulator) { try run(statements, accumulator, db) }
        return accumulator.output
    }

    /// The second read of a pass's quantile metrics over one shard of units, given the merged first read.
    static func runSecond(_ first: PassOutput, shard: Range<Int>, units: UnitTable, db: Database) throws -> [QuantileSelector.State?] {
        let pass = first.pass
        let selector = QuantileSelector(units: units, levels: pass.quantiles.map(\.level), first: first)
        // Only values in the quantile's bin or above matter now: the rest are dropped before grouping.
        var second = EventPass(name: pass.name, nameID: pass.nameID)
        var prefilters: [MetricQuery.Fragment] = []
        for (quantile, bound) in zip(pass.quantiles, selector.lowerBounds(quantiles: pass.quantiles.count)) {
            let property = quantile.query.value ?? ""
            var condition = try EventPass.condition(quantile.query, post: false, preWindow: nil)
            if let bound {
                let column = try MetricQuery.column(property)
                condition = MetricQuery.Fragment(sql: "\(condition.sql) AND \(column.sql) >= ?", arguments: condition.arguments + column.arguments + [bound])
            }
            prefilters.append(condition)
            selector.columns.append(second.column(try EventPass.over("rampart_collect", property, condition), combine: .concatenate))
        }
        if !prefilters.contains(where: { $0.sql == "(1)" }) {
            second.prefilter = MetricQuery.Fragment(sql: prefilters.map { "(\($0.sql))" }.joined(separator: " OR "), arguments: prefilters.flatMap(\.arguments))
        }
        let statements = second.statements(asOf: units.asOf, shard: shard, staged: try hasStagedEvents(db))
        try AnalysisFunctions.with(db, units: units, accumulator: selector) { try run(statements, selector, db) }
        return selector.states
    }

    /// Runs a pass's statements (``EventPass/statements(asOf:shard:staged:)``) in order, in the caller's read
    /// transaction: with two, the units of the first are left out of the second.
    static func run(_ statements: [MetricQuery.Fragment], _ accumulator: RowAccumulator, _ db: Database) throws {
        for (i, statement) in statements.enumerated() {
            accumulator.filter = statements.count == 1 ? .all : (i == 0 ? .recording : .skippingRecorded)
            _ = try Row.fetchOne(db, sql: statement.sql, arguments: StatementArguments(statement.arguments))
        }
    }

    /// The result of a request about an experiment nobody was exposed to.
    static func empty(_ request: AnalysisRequest) -> AnalysisResult {
        let attribution = Attribution()
        var result = AnalysisResult(
            attribution: attribution,
            metrics: request.metrics.map { _ in MetricAggregates(variants: [:], unitsWithEvents: [:], attribution: attribution) },
            pairs: request.pairs.map { _ in JointMetricAggregates(variants: [:], attribution: attribution) }
        )
        for (i, metric) in request.metrics.enumerated() {
            if let level = metric.quantile {
                result.quantiles[i] = QuantileMetricAggregates(level: level, variants: [:], attribution: attribution)
                result.histograms[i] = [:]
            }
            if metric.covariateWindow != nil { result.covariates[i] = JointMetricAggregates(variants: [:], attribution: attribution) }
        }
        return result
    }

    /// Turns the passes' per-variant sums into the result, with zeros for metrics on names never stored.
    static func assemble(_ request: AnalysisRequest, units: UnitTable, outputs: [PassOutput], sweep: TimelineSweep?) -> AnalysisResult {
        let attribution = units.attribution
        let keys = units.variantKeys
        let counts = attribution.enrolled.mapValues { SufficientStatistics(count: $0) }
        var result = empty(request)
        result.attribution = attribution
        for i in request.metrics.indices {
            result.metrics[i] = MetricAggregates(variants: counts, unitsWithEvents: [:], attribution: attribution)
            if let level = request.metrics[i].quantile {
                result.quantiles[i] = QuantileMetricAggregates(
                    level: level,
                    variants: counts.mapValues { _ in QuantileAggregates(estimate: .nan, events: 0, perUnit: JointStatistics()) },
                    attribution: attribution
                )
            }
            if request.metrics[i].covariateWindow != nil {
                result.covariates[i] = JointMetricAggregates(variants: counts.mapValues { JointStatistics(x: $0, y: $0) }, attribution: attribution)
            }
        }
        var kept: [Int: [Double]] = [:]
        var timelineSweep = sweep
        for output in outputs {
            let variants = output.variants
            for (j, spec) in output.pass.values.enumerated() {
                for (v, key) in keys.enumerated() {
                    guard let n = attribution.enrolled[key] else { continue }
                    let s = output.sums[j * variants + v]
                    let post = SufficientStatistics(count: n, sum: s.sum, sumOfSquares: s.sumOfSquares)
                    result.metrics[spec.metric].variants[key] = post
                    if s.unitsWithEvents > 0 { result.metrics[spec.metric].unitsWithEvents[key] = s.unitsWithEvents }
                    if spec.preCount != nil {
                        result.covariates[spec.metric]?.variants[key] = JointStatistics(
                            x: SufficientStatistics(count: n, sum: s.preSum, sumOfSquares: s.preSumOfSquares), y: post,
                            sumOfProducts: s.sumOfProducts
                        )
                    }
                }
                if spec.keep { kept[spec.metric] = output.kept[j] }
            }
            for (q, spec) in output.pass.quantiles.enumerated() {
                var histograms: [String: ValueHistogram] = [:]
                for (v, key) in keys.enumerated() {
                    let bins = output.bins[q * variants + v]
                    guard bins.events > 0 else { continue }
                    histograms[key] = ValueHistogram.fromLogBins(bins.bins, nonPositive: (bins.nonPositive, bins.minimum))
                    if output.quantiles.indices.contains(q * variants + v), let s = output.quantiles[q * variants + v] {
                        result.quantiles[spec.metric]?.variants[key] = QuantileAggregates(estimate: s.estimate, events: s.events, perUnit: s.perUnit)
                    }
                }
                result.histograms[spec.metric] = histograms
            }
            if output.pass.timeline != nil { timelineSweep = output.timeline }
        }
        for (p, pair) in request.pairs.enumerated() {
            var joint = JointMetricAggregates(variants: [:], attribution: attribution)
            var products = [Double](repeating: 0, count: keys.count)
            if let x = kept[pair.x], let y = kept[pair.y] {
                let lookup = units.lookup.pointee
                for unit in 0..<min(x.count, y.count) where lookup.variant[unit] >= 0 {
                    products[Int(lookup.variant[unit])] += x[unit] * y[unit]
                }
            }
            for (v, key) in keys.enumerated() {
                guard let xs = result.metrics[pair.x].variants[key], let ys = result.metrics[pair.y].variants[key] else { continue }
                joint.variants[key] = JointStatistics(x: xs, y: ys, sumOfProducts: products[v])
            }
            result.pairs[p] = joint
        }
        result.timeline = timelineSweep?.points(units: units) ?? []
        return result
    }
}
