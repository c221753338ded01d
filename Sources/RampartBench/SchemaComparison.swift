import Foundation
import RampartCore
import RampartStore

/// The "measure both and choose" comparison: per-unit aggregates maintained on ingest against indexed raw events.
///
/// The aggregate design keeps, per (event name, unit, day), the count and the sums and sums of squares of the
/// numeric columns, upserted by a trigger on every insert. The raw design (the one Rampart uses) aggregates the
/// clustered events table at query time.
public enum SchemaComparison {
    /// Adds the aggregate table and the trigger that maintains it.
    public static func addAggregates(to store: SQLiteEventStore) async throws {
        try await store.execute("""
            CREATE TABLE unit_daily (
                name_id INTEGER NOT NULL, unit_id INTEGER NOT NULL, day INTEGER NOT NULL,
                n INTEGER NOT NULL, s_latency REAL NOT NULL, s_output_tokens REAL NOT NULL, s_cost REAL NOT NULL,
                n_escalated INTEGER NOT NULL, n_completed INTEGER NOT NULL,
                PRIMARY KEY (name_id, unit_id, day)
            ) WITHOUT ROWID;
            CREATE TRIGGER unit_daily_on_insert AFTER INSERT ON events BEGIN
                INSERT INTO unit_daily VALUES (
                    new.name_id, new.unit_id, new.ts / 86400000, 1, coalesce(new.latency_ms, 0),
                    coalesce(new.output_tokens, 0), coalesce(new.estimated_cost_usd, 0),
                    coalesce(new.escalated_to_human, 0), coalesce(new.task_completed, 0))
                ON CONFLICT DO UPDATE SET n = n + 1, s_latency = s_latency + excluded.s_latency,
                    s_output_tokens = s_output_tokens + excluded.s_output_tokens, s_cost = s_cost + excluded.s_cost,
                    n_escalated = n_escalated + excluded.n_escalated, n_completed = n_completed + excluded.n_completed;
            END;
            """)
    }

    /// Times the same per-variant statistics both ways and prints them.
    public static func compareQueries(raw: SQLiteEventStore, aggregates: SQLiteEventStore, experiment: Experiment, rounds: Int) async throws {
        let scope = ExperimentScope(experiment)
        let cost = MetricQuery(event: "llm_request_completed", value: "estimated_cost_usd")
        let resolved = MetricQuery(event: "support_ticket_resolved", aggregation: .indicator)
        var rawTimes: [Double] = []
        var aggregateTimes: [Double] = []
        var rawResult = MetricAggregates(variants: [:], unitsWithEvents: [:], attribution: Attribution())
        var aggregateSums: [String: Double] = [:]
        let clock = ContinuousClock()
        for _ in 0..<rounds {
            rawTimes.append(Self.seconds(try await clock.measure {
                rawResult = try await raw.statistics(cost, in: scope)
                _ = try await raw.statistics(resolved, in: scope)
            }))
            aggregateTimes.append(Self.seconds(try await clock.measure {
                aggregateSums = try await aggregateQuery(aggregates, scope: scope)
            }))
        }
        let units = rawResult.attribution.enrolledUnits
        print("query: cost per unit + resolution, \(units) enrolled units, median of \(rounds):")
        print("  indexed raw events (exact attribution)     \(String(format: "%.1f", BenchTimer.Result.median(rawTimes) * 1000)) ms")
        print("  per-unit daily aggregates (day-granular)   \(String(format: "%.1f", BenchTimer.Result.median(aggregateTimes) * 1000)) ms")
        for (variant, sum) in aggregateSums.sorted(by: { $0.key < $1.key }) {
            let exact = rawResult.variants[variant]?.sum ?? 0
            print("  \(variant): Σ cost exact \(String(format: "%.4f", exact)) vs day-granular \(String(format: "%.4f", sum)) (\(String(format: "%+.2f", (sum / exact - 1) * 100)) %)")
        }
    }

    /// Σ cost per variant and the resolution indicator from the daily aggregates, attributing from the day of the
    /// first exposure (the best this layout can do).
    static func aggregateQuery(_ store: SQLiteEventStore, scope: ExperimentScope) async throws -> [String: Double] {
        let rows = try await store.rows("""
            SELECT v.key, total(a.x) FROM (
                SELECT f.variant_id AS variant_id, d.unit_id, total(d.s_cost) AS x
                FROM unit_daily AS d CROSS JOIN exposure_units AS f
                WHERE d.name_id = (SELECT id FROM event_names WHERE name = 'llm_request_completed')
                    AND f.experiment_id = (SELECT id FROM experiments WHERE key = ? AND phase = ?)
                    AND f.unit_id = d.unit_id AND f.multi_ts IS NULL AND d.day >= f.first_ts / 86400000
                GROUP BY d.unit_id
            ) AS a JOIN variants AS v ON v.id = a.variant_id GROUP BY v.key
            """, arguments: [.string(scope.key), .number(Double(scope.phase))])
        _ = try await store.rows("""
            SELECT f.variant_id, count(DISTINCT d.unit_id)
            FROM unit_daily AS d CROSS JOIN exposure_units AS f
            WHERE d.name_id = (SELECT id FROM event_names WHERE name = 'support_ticket_resolved')
                AND f.experiment_id = (SELECT id FROM experiments WHERE key = ? AND phase = ?)
                AND f.unit_id = d.unit_id AND f.multi_ts IS NULL AND d.day >= f.first_ts / 86400000
            GROUP BY f.variant_id
            """, arguments: [.string(scope.key), .number(Double(scope.phase))])
        var result: [String: Double] = [:]
        for row in rows {
            if let key = row[0].stringValue { result[key] = row[1].numberValue ?? 0 }
        }
        return result
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
