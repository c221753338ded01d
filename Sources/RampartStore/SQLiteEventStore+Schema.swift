import GRDB
import RampartCore

extension SQLiteEventStore {
    /// The schema migrations, applied in order by GRDB's `DatabaseMigrator`.
    ///
    /// Layout (docs/events.md, "Storage"): unit ids, event names, experiments and variants are dictionary-encoded
    /// to integers; events are a `WITHOUT ROWID` table clustered by (event name, unit, time), so a per-unit
    /// `GROUP BY` over one event streams in key order without a sort; a unique index on uuid makes ingestion
    /// idempotent; `exposure_units` keeps each unit's first exposure per experiment phase, maintained on ingest.
    /// Since v2, new events are appended to `events_staged` first and merged into `events` in batches. Since v3,
    /// the `event_uuids` ledger (the uuids of `events`) and the in-memory set of staged uuids make ingestion
    /// idempotent instead.
    /// Migration v2 records when a unit became multi-variant (`multi_ts`) and its last exposure (`last_ts`)
    /// instead of a flag, so attribution can be read as of any moment; it rebuilds the table from the exposure
    /// events.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 events") { db in
            try db.execute(sql: """
                CREATE TABLE event_names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT;
                CREATE TABLE units (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE) STRICT;
                CREATE TABLE experiments (
                    id INTEGER PRIMARY KEY, key TEXT NOT NULL, phase INTEGER NOT NULL, UNIQUE (key, phase)
                ) STRICT;
                CREATE TABLE variants (
                    id INTEGER PRIMARY KEY, experiment_id INTEGER NOT NULL REFERENCES experiments (id),
                    key TEXT NOT NULL, UNIQUE (experiment_id, key)
                ) STRICT;
                """)
            let typed = EventColumns.v1.map { "\($0.name) \($0.storage.rawValue)" }.joined(separator: ",\n    ")
            try db.execute(sql: """
                CREATE TABLE events (
                    name_id INTEGER NOT NULL,
                    unit_id INTEGER NOT NULL,
                    ts INTEGER NOT NULL,
                    uuid BLOB NOT NULL,
                    \(typed),
                    props TEXT,
                    PRIMARY KEY (name_id, unit_id, ts, uuid)
                ) STRICT, WITHOUT ROWID;
                CREATE UNIQUE INDEX events_uuid ON events (uuid);
                CREATE TABLE exposure_units (
                    experiment_id INTEGER NOT NULL,
                    unit_id INTEGER NOT NULL,
                    variant_id INTEGER NOT NULL,
                    first_ts INTEGER NOT NULL,
                    multi INTEGER NOT NULL,
                    exposures INTEGER NOT NULL,
                    PRIMARY KEY (experiment_id, unit_id)
                ) STRICT, WITHOUT ROWID;
                """)
        }
        // Ingestion appends here; `mergeStagedEvents` moves the rows into `events` in large key-ordered batches
        // (docs/performance.md, "Event ingestion"). The columns of `events`, no key and no index: an append log.
        migrator.registerMigration("v2 staged events") { db in
            let typed = EventColumns.v1.map { "\($0.name) \($0.storage.rawValue)" }.joined(separator: ",\n    ")
            try db.execute(sql: """
                CREATE TABLE events_staged (
                    name_id INTEGER NOT NULL,
                    unit_id INTEGER NOT NULL,
                    ts INTEGER NOT NULL,
                    uuid BLOB NOT NULL,
                    \(typed),
                    props TEXT
                ) STRICT;
                """)
        }
        migrator.registerMigration("v2 exposure moments") { db in
            try db.execute(sql: "DROP TABLE exposure_units")
            try db.execute(sql: exposureUnitsSQL)
            try rebuildExposureUnits(db)
        }
        // The uuid ledger replaces the unique index on `events (uuid)`: a narrow B-tree of the uuids in `events`, which
        // the writer fills in uuid order (docs/performance.md, "Event ingestion"). Staged uuids join it at the merge.
        migrator.registerMigration("v3 uuid ledger") { db in
            try db.execute(sql: """
                CREATE TABLE event_uuids (uuid BLOB PRIMARY KEY) STRICT, WITHOUT ROWID;
                INSERT INTO event_uuids (uuid) SELECT uuid FROM events ORDER BY uuid;
                DROP INDEX events_uuid;
                """)
        }
        registerCounterMigrations(&migrator)
        registerIngestHealthMigrations(&migrator)
        registerTimeCountMigrations(&migrator)
        registerRangeMergeMigrations(&migrator)
        return migrator
    }

    /// `exposure_units` from migration v2 on.
    ///
    /// Per experiment phase and unit: `variant_id` and `first_ts`, the variant and time of the earliest exposure;
    /// `multi_ts`, the moment the unit's exposures first named two variants (the second-earliest of its variants'
    /// earliest exposures), `NULL` while they name one; `last_ts`, the latest exposure; `exposures`, how many.
    static let exposureUnitsSQL = """
        CREATE TABLE exposure_units (
            experiment_id INTEGER NOT NULL,
            unit_id INTEGER NOT NULL,
            variant_id INTEGER NOT NULL,
            first_ts INTEGER NOT NULL,
            multi_ts INTEGER,
            last_ts INTEGER NOT NULL,
            exposures INTEGER NOT NULL,
            PRIMARY KEY (experiment_id, unit_id)
        ) STRICT, WITHOUT ROWID
        """

    /// Recomputes `exposure_units` from the stored exposure events (the raw events are all kept, merged or staged).
    ///
    /// The result is what ingestion maintains incrementally (``recordExposures(_:unitID:first:last:count:db:)``), except for the
    /// variant of a unit whose two variants were first seen in the same millisecond: it is multi-variant from its
    /// first exposure on, so its variant is never read.
    static func rebuildExposureUnits(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM exposure_units")
        try db.execute(sql: """
            WITH per_variant AS (
                SELECT x.id AS experiment_id, e.unit_id AS unit_id, v.id AS variant_id,
                    min(e.ts) AS first_ts, max(e.ts) AS last_ts, count(*) AS exposures
                FROM \(try eventsSource(db, staged: "events_staged")) AS e
                JOIN experiments AS x ON x.key = e.experiment AND x.phase = coalesce(e.phase, 0)
                JOIN variants AS v ON v.experiment_id = x.id AND v.key = e.variant
                WHERE e.name_id = (SELECT id FROM event_names WHERE name = ?)
                GROUP BY x.id, e.unit_id, v.id
            ), ranked AS (
                SELECT *, row_number() OVER (PARTITION BY experiment_id, unit_id ORDER BY first_ts, variant_id) AS r
                FROM per_variant
            )
            INSERT INTO exposure_units (experiment_id, unit_id, variant_id, first_ts, multi_ts, last_ts, exposures)
            SELECT experiment_id, unit_id, max(CASE WHEN r = 1 THEN variant_id END), min(first_ts),
                min(CASE WHEN r = 2 THEN first_ts END), max(last_ts), sum(exposures)
            FROM ranked GROUP BY experiment_id, unit_id
            """, arguments: [EventName.exposure])
    }
}
