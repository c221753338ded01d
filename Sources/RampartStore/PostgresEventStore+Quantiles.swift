import PostgresNIO
import RampartCore

extension PostgresEventStore {
    /// One variant's log-binned counts of a quantile metric's values (as ``histograms(_:scope:on:)`` reads them).
    struct BinnedValues: Sendable {
        var bins: [Int: Int] = [:]
        var nonPositive: (count: Int, minimum: Double)?

        /// The values counted.
        var count: Int { bins.values.reduce(0, +) + (nonPositive?.count ?? 0) }

        /// Adds another shard's counts.
        mutating func merge(_ other: BinnedValues) {
            for (bin, n) in other.bins { bins[bin, default: 0] += n }
            if let theirs = other.nonPositive {
                nonPositive = nonPositive.map { ($0.count + theirs.count, min($0.minimum, theirs.minimum)) } ?? theirs
            }
        }

        /// Where the value of 0-based rank `rank` is: its bin (`nil` for the non-positive values) and its rank among
        /// the values of that bin.
        func locate(_ rank: Int) -> (bin: Int?, offset: Int) {
            var rank = rank
            if let nonPositive {
                if rank < nonPositive.count { return (nil, rank) }
                rank -= nonPositive.count
            }
            for bin in bins.keys.sorted() {
                if rank < bins[bin]! { return (bin, rank) }
                rank -= bins[bin]!
            }
            return (bins.keys.max(), max(0, (bins[bins.keys.max() ?? 0] ?? 1) - 1))
        }
    }

    /// The attributed events of a metric as a quantile read takes them: `FROM … WHERE …` and the variant's column.
    typealias AttributedEvents = (events: Statement, variant: String)

    /// A metric's attributed events joined to `exposure_units` (the one-metric queries).
    static func joined(_ metric: MetricQuery, ids: (experiment: Int64, name: Int64), asOf: Int64) throws -> AttributedEvents {
        (try attributedEvents(metric, ids: ids, asOf: asOf), "f.variant_id")
    }

    /// A metric's attributed events through a shard's arrays (an analysis).
    static func subscripted(_ metric: MetricQuery, name: Int64, asOf: Int64, units: PostgresUnitArrays.Shard) throws -> AttributedEvents {
        let value = try PostgresMetricSQL.Column(metric.value ?? "").rankable
        return (try units.attributed(metric, name: name, asOf: asOf, reading: value.sql), "e.variant_id")
    }

    /// Per variant key, the log-binned counts of a metric's values among `source`'s events.
    func binnedValues(_ metric: MetricQuery, source: AttributedEvents, on c: PostgresConnection) async throws -> [String: BinnedValues] {
        let value = try PostgresMetricSQL.Column(metric.value ?? "").rankable
        let events = source.events
        let sql = """
            SELECT v.key, b.bin, b.n, b.least FROM (
                SELECT h.variant_id, CASE WHEN h.x > 0 THEN floor(ln(h.x) / ln(?::double precision))::bigint END AS bin, count(*) AS n, min(h.x) AS least
                FROM (
                    SELECT \(source.variant) AS variant_id, \(value.sql) AS x FROM \(events.sql)
                ) AS h
                WHERE h.x IS NOT NULL
                GROUP BY 1, 2
            ) AS b JOIN variants AS v ON v.id = b.variant_id
            """
        var result: [String: BinnedValues] = [:]
        for row in try await rows(Statement(sql, [.double(ValueHistogram.growth)] + value.values + events.values), on: c) {
            let (key, bin, count, minimum) = try row.decode((String, Int64?, Int64, Double).self)
            if let bin {
                result[key, default: BinnedValues()].bins[Int(bin)] = Int(count)
            } else {
                result[key, default: BinnedValues()].nonPositive = (Int(count), minimum)
            }
        }
        return result
    }

    /// Per quantile metric of an analysis (by its index in `request`), the estimate per variant id: the values of
    /// the bins holding the estimates gathered shard by shard on the analysis's connections
    /// (``binValues(_:targets:source:on:)``), or, when those bins hold more than ``analysisGatheredValues``, ranked
    /// in one statement over every unit (``rankedEstimates(_:level:experiment:source:binned:on:)``).
    ///
    /// - Parameters:
    ///   - request: The analysis's request.
    ///   - quantiled: The indices of its quantile metrics whose event name is stored.
    ///   - binned: Per quantile metric, its merged histograms per variant key.
    ///   - nameIDs: The stored event names' ids.
    ///   - variantIDs: The experiment's variant keys and ids.
    ///   - units: The analysis's unit arrays.
    ///   - asOf: The analysis's moment.
    ///   - experimentID: The experiment's id.
    func quantileEstimates(
        _ request: AnalysisRequest, metrics quantiled: [Int], binned: [Int: [String: BinnedValues]], nameIDs: [String: Int64],
        variantIDs: [(String, Int64)], units: PostgresUnitArrays, asOf: Int64, experimentID: Int64, on c: PostgresConnection
    ) async throws -> [Int: [Int64: Double]] {
        enum Part: Sendable {
            case values([Int64: [Double]])
            case estimates([Int64: Double])
        }
        var jobs: [@Sendable (PostgresConnection) async throws -> Part] = []
        var gathered: [(metric: Int, targets: [QuantileTarget])] = []
        var ranked: [Int] = []
        for i in quantiled {
            let metric = request.metrics[i], name = nameIDs[metric.query.event]!
            let targets = Self.quantileTargets(level: metric.quantile!, binned: binned[i]!, variantIDs: variantIDs)
            if targets.reduce(0, { $0 + $1.size }) <= analysisGatheredValues {
                gathered.append((i, targets))
                for shard in units.shards {
                    let source = try Self.subscripted(metric.query, name: name, asOf: asOf, units: shard)
                    jobs.append { try await Part.values(self.binValues(metric.query, targets: targets, source: source, on: $0)) }
                }
            } else {
                ranked.append(i)
                let source = try Self.subscripted(metric.query, name: name, asOf: asOf, units: units.whole)
                let b = binned[i]!
                jobs.append { try await Part.estimates(self.rankedEstimates(metric.query, level: metric.quantile!, experiment: experimentID, source: source, binned: b, on: $0)) }
            }
        }
        var parts = try await sharingSnapshot(jobs, on: c)[...]
        var estimates: [Int: [Int64: Double]] = [:]
        for (i, targets) in gathered {
            var values: [Int64: [Double]] = [:]
            for _ in units.shards {
                if case .values(let v) = parts.removeFirst() { for (variant, xs) in v { values[variant, default: []] += xs } }
            }
            estimates[i] = Self.estimates(from: values, targets: targets)
        }
        for i in ranked {
            if case .estimates(let e) = parts.removeFirst() { estimates[i] = e }
        }
        return estimates
    }

    /// Where a variant's estimate is: the bin holding the value of rank ⌈level·n⌉ among its n values (`nil` for the
    /// non-positive values), its 0-based rank among that bin's values, and how many values the bin holds.
    struct QuantileTarget: Sendable {
        let variant: Int64
        let bin: Int?
        let offset: Int
        let size: Int
    }

    /// The variants' ``QuantileTarget``s from their merged histograms (variants without values have none).
    static func quantileTargets(level: Double, binned: [String: BinnedValues], variantIDs: [(String, Int64)]) -> [QuantileTarget] {
        variantIDs.compactMap { key, variantID in
            guard let values = binned[key], values.count > 0 else { return nil }
            let rank = max(0, Int((level * Double(values.count)).rounded(.up)) - 1)
            let (bin, offset) = values.locate(rank)
            let size = bin.map { values.bins[$0] ?? 0 } ?? (values.nonPositive?.count ?? 0)
            return QuantileTarget(variant: variantID, bin: bin, offset: offset, size: size)
        }
    }

    /// The values of `source`'s events in each target's bin, per variant id: what a shard contributes to
    /// ``estimates(from:targets:)``, so that the estimates are read in the analysis's shards on all its connections
    /// rather than in one statement over every unit (up to ``analysisGatheredValues``).
    func binValues(_ metric: MetricQuery, targets: [QuantileTarget], source: AttributedEvents, on c: PostgresConnection) async throws -> [Int64: [Double]] {
        guard !targets.isEmpty else { return [:] }
        let value = try PostgresMetricSQL.Column(metric.value ?? "").rankable
        let events = source.events
        let sql = """
            SELECT s.variant_id::bigint, s.x
            FROM (SELECT \(source.variant) AS variant_id, \(value.sql) AS x FROM \(events.sql)) AS s
            JOIN (VALUES \(targets.map { _ in "(?::bigint, ?::bigint)" }.joined(separator: ", "))) AS t (variant_id, bin) ON t.variant_id = s.variant_id
            WHERE \(Self.inTargetBin)
            """
        let bound: [Value] = targets.flatMap { [Value.int($0.variant), $0.bin.map { .int(Int64($0)) } ?? .null] }
        var values: [Int64: [Double]] = [:]
        for row in try await rows(Statement(sql, value.values + events.values + bound + [.double(ValueHistogram.growth)]), on: c) {
            let (variant, x) = try row.decode((Int64, Double).self)
            values[variant, default: []].append(x)
        }
        return values
    }

    /// The condition that an event's value `s.x` lies in its variant's target bin `t.bin` (the non-positive values
    /// when it is `NULL`), as the histogram bins it (``binnedValues(_:source:on:)``); one placeholder, the growth.
    static let inTargetBin = """
        s.x IS NOT NULL AND CASE WHEN t.bin IS NULL THEN s.x <= 0
            ELSE s.x > 0 AND floor(ln(s.x) / ln(?::double precision))::bigint = t.bin END
        """

    /// Per variant id, the value at the target's rank among its bin's values gathered from every shard.
    static func estimates(from values: [Int64: [Double]], targets: [QuantileTarget]) -> [Int64: Double] {
        var estimates: [Int64: Double] = [:]
        for target in targets {
            let sorted = (values[target.variant] ?? []).sorted()
            guard !sorted.isEmpty else { continue }
            estimates[target.variant] = sorted[min(target.offset, sorted.count - 1)]
        }
        return estimates
    }

    /// Per variant id, the value of rank ⌈level·n⌉ among the metric's n values, read from the bin that holds it
    /// only (its rank among that bin's values known from the counts): the values of one bin are sorted, not all.
    func rankedEstimates(_ metric: MetricQuery, level: Double, experiment: Int64, source: AttributedEvents, binned: [String: BinnedValues], on c: PostgresConnection) async throws -> [Int64: Double] {
        var targets: [Value] = []
        var rowsSQL: [String] = []
        for target in Self.quantileTargets(level: level, binned: binned, variantIDs: try await variantIDs(experiment, on: c)) {
            rowsSQL.append("(?::bigint, ?::bigint, ?::bigint)")
            targets += [.int(target.variant), target.bin.map { .int(Int64($0)) } ?? .null, .int(Int64(target.offset + 1))]
        }
        guard !targets.isEmpty else { return [:] }
        let value = try PostgresMetricSQL.Column(metric.value ?? "").rankable
        let events = source.events
        let sql = """
            SELECT q.variant_id::bigint, q.x FROM (
                SELECT s.variant_id, s.x, t.k, row_number() OVER (PARTITION BY s.variant_id ORDER BY s.x) AS r
                FROM (SELECT \(source.variant) AS variant_id, \(value.sql) AS x FROM \(events.sql)) AS s
                JOIN (VALUES \(rowsSQL.joined(separator: ", "))) AS t (variant_id, bin, k) ON t.variant_id = s.variant_id
                WHERE \(Self.inTargetBin)
            ) AS q WHERE q.r = q.k
            """
        var estimates: [Int64: Double] = [:]
        for row in try await rows(Statement(sql, value.values + events.values + targets + [.double(ValueHistogram.growth)]), on: c) {
            let (variant, x) = try row.decode((Int64, Double).self)
            estimates[variant] = x
        }
        return estimates
    }
}
