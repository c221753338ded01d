import Foundation

extension SQLiteEventStore {
    /// How the SQLite store stores events.
    public struct Configuration: Sendable {
        /// SQLite's `synchronous` setting in WAL mode.
        public enum Synchronous: String, Sendable {
            /// fsync the WAL at every commit: a returned ingest survives a process crash and a power loss.
            case full = "FULL"
            /// fsync only at checkpoints: survives a process crash (SIGKILL), not a power loss. Not the default.
            case normal = "NORMAL"
        }

        /// When commits are fsynced. `.full` by default.
        public var synchronous: Synchronous
        /// SQLite's page cache per connection, in MiB.
        public var cacheSizeMiB: Int
        /// The page cache of each reading connection, in MiB, when it should differ from ``cacheSizeMiB``.
        ///
        /// A reader's cache holds pages within one read transaction only once others write: SQLite empties it when
        /// a transaction starts after a commit. Under continuous ingest each analysis then fills its readers'
        /// caches anew, and the memory is allocated and freed again per analysis; `rampart serve` keeps them small
        /// (the kernel's page cache holds the file either way; docs/performance.md, "Soak").
        public var readerCacheSizeMiB: Int? = nil
        /// Whether a reading connection gives back its page cache at the end of each read that left more than
        /// ``ConnectionCaches/readerKeepBytes`` in it (`sqlite3_db_release_memory`); `rampart serve` turns it on.
        ///
        /// Under continuous ingest the pages a reader keeps after an analysis are never read again: SQLite empties the
        /// cache when that connection's next read transaction starts after a commit. Kept, they are memory in use
        /// between analyses, up to the cache size on each connection an analysis used, and the more of them as the
        /// database grows (docs/operations.md, "Memory"). Given back, a later read on a quiet database reads those
        /// pages again from the kernel's page cache.
        public var releasesReaderCaches = false
        /// The page size of a new database file, in bytes (a power of two from 512 to 65,536); an existing file
        /// keeps its own.
        public var pageSize: Int
        /// The write-ahead log size, in pages, past which a commit copies the log into the database file
        /// (`PRAGMA wal_autocheckpoint`).
        ///
        /// A commit of a large batch rewrites most of the pages it touched in the previous one; a larger log lets
        /// one checkpoint copy each page once for several commits.
        public var walAutocheckpointPages: Int
        /// When set, unit ids are stored as a keyed hash (HMAC-SHA-256, 128 bits, hex) instead of in clear.
        public var unitIdHashKey: [UInt8]?
        /// How many unit → id mappings the ingest path keeps in memory.
        public var unitCacheLimit: Int
        /// Staged events that trigger a merge into the clustered `events` table (after the commit that reached it).
        ///
        /// Larger merges rewrite each B-tree page once for more events; the merge holds the writer meanwhile.
        public var stagedEventLimit: Int
        /// Staged events moved into `events` per merge transaction; 0 merges everything in one transaction.
        ///
        /// A merge holds the write lock; in slices, group commits (and other processes' writes) run between them,
        /// so an ingest waits for the slices one commit is owed (``mergePace``), not for the whole merge
        /// (docs/performance.md, "Sustained load").
        public var mergeSliceEvents = 10_000
        /// While a merge in slices is under way, the events it owes per event committed, times the staging limits the
        /// log holds (at least one); the merge takes what it owes a slice at a time between group commits, and the
        /// rest once ingest has stopped (``MergePacing``).
        ///
        /// Above 1 so that a merge also makes up for the commits during which it sorts its plan or removes its rows
        /// and moves none; not much above, because whatever the merge takes beyond the arrivals it takes from the
        /// commits waiting behind it (docs/performance.md, "Sustained load").
        public var mergePace = 1.25
        /// When set, a merge of whatever is staged starts once no commit has stored events for this long, even below
        /// ``stagedEventLimit``; `nil` (the default) leaves staged rows until the limit or the end of `rampart ingest`.
        ///
        /// Every read of a snapshot with staged rows pays for them (docs/operations.md, "What reading staged events
        /// costs"); merged while ingest is quiet, the reads after it stream the clustered table alone. `rampart serve`
        /// sets 2 s. If ingest resumes meanwhile, the merge goes on paced by its commits, like any merge.
        public var mergeWhenIdleAfter: Duration?
        /// Whether checkpoints run on a connection of their own in the background instead of inside the commit that
        /// crosses ``walAutocheckpointPages`` (``BackgroundCheckpointer``); `rampart serve` turns it on.
        ///
        /// In a commit, copying the log into the database file and syncing it holds the writer, and every ingest
        /// request waiting for the next group commit waits for it too; in the background the writer goes on
        /// appending to the log meanwhile (docs/performance.md, "Sustained load").
        public var checkpointInBackground = false
        /// With ``checkpointInBackground``, the log pages after which the checkpointer copies the log into the
        /// database file (at most the commits' threshold, ``walAutocheckpointPages`` or a quarter of the limit).
        ///
        /// Smaller than the commits' threshold because the copy no longer holds the writer but still shares the
        /// disk: its sync of the database file flushes everything copied, and the commits' own syncs of the log
        /// wait behind that flush. 2,048 pages (32 MiB at 16 KiB pages) keeps each flush short: staging a steady
        /// 100,000 events/s, the route's p99 was 133 ms with checkpoints at 8,192 pages and 30–44 ms at 2,048
        /// (docs/performance.md, "Session 25").
        public var backgroundCheckpointPages = 2_048
        /// The most events one group-commit transaction carries (a larger single batch still goes alone).
        public var maximumEventsPerTransaction: Int
        /// Transactions with at least this many events insert straight into `events` instead of staging (while
        /// ``directInsertTableRatio`` allows).
        public var directInsertThreshold: Int
        /// A large transaction goes straight into `events` only while the events stored are at most this many times
        /// its own: into a larger table its rows land on about as many pages as they are rows, where staging them
        /// and merging by key range later writes each page once per merge (docs/performance.md, "Ingest throughput
        /// as the database grows").
        public var directInsertTableRatio = 16
        /// How many event names an analysis reads at once, each on its own connection (file databases only).
        public var analysisConcurrency: Int
        /// How many unit ids one analysis query covers: a pass over more units is split into queries on
        /// consecutive id ranges, which run concurrently and are merged in order.
        public var analysisShardUnits: Int
        /// How much of the database file each connection reads through memory-mapped I/O (`PRAGMA mmap_size`), in
        /// MiB; 0 reads through the page cache only. Scans then copy no pages (the system library caps it at 2 GiB).
        public var mmapSizeMiB: Int
        /// How long a write waits for another connection (in this process or another) to release the database,
        /// in seconds, before it fails with `RampartError` code `busy`.
        ///
        /// Every connection waits in SQLite's busy handler; writes that SQLite refuses without waiting (a
        /// transaction that must start again from a newer snapshot, `BEGIN IMMEDIATE` while the log is being
        /// reset) are retried with backoff inside the same budget (docs/operations.md).
        public var busyTimeout: Double
        /// The size the write-ahead log (`-wal` file) is kept under, in MiB, while readers run continuously
        /// (docs/operations.md, "The write-ahead log").
        ///
        /// A commit checkpoints once the log holds a quarter of it (or ``walAutocheckpointPages``, if fewer); a
        /// log reset truncates the file back to a quarter of it; and when a writer finds the file past half of it,
        /// because readers kept the log from being reset, it runs a `RESTART` checkpoint, which waits for those
        /// readers to move to the newest snapshot.
        public var walSizeLimitMiB: Int
        /// Opens the database for reading only: no connection writes, and a database whose schema is not current
        /// (or a file that does not exist yet) is migrated once by a read-write connection first.
        public var readOnly: Bool
        /// How many analyses as of an earlier UTC day are kept in memory and answered again while no event of
        /// their day arrives (``PastAnalysisCache``); 0 keeps none.
        public var pastAnalyses: Int

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - synchronous: When commits are fsynced; `.full` by default.
        ///   - cacheSizeMiB: Page cache per connection in MiB; 128 by default.
        ///   - pageSize: The page size of a new database file; 16,384 bytes by default (fewer, larger pages per
        ///     commit; docs/performance.md, "Event ingestion").
        ///   - walAutocheckpointPages: Log pages that trigger a checkpoint; 8,192 by default (128 MiB at 16 KiB
        ///     pages; SQLite's default of 1,000 checkpointed after every large commit; docs/performance.md).
        ///   - unitIdHashKey: A secret key to store unit ids as keyed hashes; `nil` (clear ids) by default.
        ///   - unitCacheLimit: Unit ids cached in memory by the ingest path; 2,000,000 by default.
        ///   - stagedEventLimit: Staged events that trigger a merge into `events`; 200,000 by default (a merge
        ///     holds the writer for up to about a second at that size; docs/performance.md).
        ///   - maximumEventsPerTransaction: Events per group-commit transaction; 50,000 by default.
        ///   - directInsertThreshold: Transaction size from which events skip staging; 20,000 by default.
        ///   - analysisConcurrency: Event names an analysis reads at once; the number of active cores (at most 4)
        ///     by default.
        ///   - analysisShardUnits: Unit ids per analysis query; 131,072 by default.
        ///   - mmapSizeMiB: Memory-mapped I/O per connection in MiB; 0 (off) by default.
        ///   - busyTimeout: Seconds a write waits for other writers; 5 by default.
        ///   - walSizeLimitMiB: The bound on the write-ahead log in MiB; 512 by default (its quarter is the default
        ///     128 MiB checkpoint size).
        ///   - readOnly: Whether the store only reads; `false` by default.
        ///   - pastAnalyses: Analyses as of an earlier day kept in memory; 64 by default.
        public init(
            synchronous: Synchronous = .full,
            cacheSizeMiB: Int = 128,
            pageSize: Int = 16_384,
            walAutocheckpointPages: Int = 8_192,
            unitIdHashKey: [UInt8]? = nil,
            unitCacheLimit: Int = 2_000_000,
            stagedEventLimit: Int = 200_000,
            maximumEventsPerTransaction: Int = 50_000,
            directInsertThreshold: Int = 20_000,
            analysisConcurrency: Int = min(4, ProcessInfo.processInfo.activeProcessorCount),
            analysisShardUnits: Int = 1 << 17,
            mmapSizeMiB: Int = 0,
            busyTimeout: Double = 5,
            walSizeLimitMiB: Int = 512,
            readOnly: Bool = false,
            pastAnalyses: Int = 64
        ) {
            self.synchronous = synchronous
            self.cacheSizeMiB = cacheSizeMiB
            self.pageSize = pageSize
            self.walAutocheckpointPages = walAutocheckpointPages
            self.unitIdHashKey = unitIdHashKey
            self.unitCacheLimit = unitCacheLimit
            self.stagedEventLimit = stagedEventLimit
            self.maximumEventsPerTransaction = maximumEventsPerTransaction
            self.directInsertThreshold = directInsertThreshold
            self.analysisConcurrency = analysisConcurrency
            self.analysisShardUnits = analysisShardUnits
            self.mmapSizeMiB = mmapSizeMiB
            self.busyTimeout = busyTimeout
            self.walSizeLimitMiB = walSizeLimitMiB
            self.readOnly = readOnly
            self.pastAnalyses = pastAnalyses
        }

        /// The staged uuids the writer's in-memory set holds before it grows: twice ``stagedEventLimit`` (a merge's
        /// rows stay in the set until they leave the log, and ingest stages more meanwhile), at most 2,000,000.
        var stagedUUIDCapacity: Int {
            min(max(0, stagedEventLimit), 1_000_000) * 2
        }

        /// A quarter of ``walSizeLimitMiB`` in bytes: the `journal_size_limit` and the checkpoint size.
        var walQuarterBytes: Int {
            max(1, walSizeLimitMiB) << 18
        }
    }
}
