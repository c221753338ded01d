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
}
