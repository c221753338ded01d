import GRDB

extension SQLiteEventStore {
    /// The schema migrations, applied in order by GRDB's `DatabaseMigrator`.
    ///
    /// Layout (docs/events.md, "Storage"): unit ids, event names, experiments and variants are dictionary-encoded
    /// to integers; events are a `WITHOUT ROWID` table clustered by (event name, unit, time), so a per-unit
    /// `GROUP BY` over one event streams in key order without a sort; a unique index on uuid makes ingestion
    /// idempotent; `exposure_units` keeps each unit's first exposure per experiment phase, maintained on ingest.
    /// Since v2, new events are appended to `events_staged` first and merged into `events` in batches.
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
        return migrator
    }
}
