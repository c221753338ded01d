import ArgumentParser
import Foundation
import RampartStore

/// `--busy-timeout`, `--wal-limit-mib` and `--cache-mib`: how a command shares its database with other processes
/// and how much it caches (docs/operations.md). Each defaults to an environment variable, then to the store's
/// default.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("busy-timeout"), help: ArgumentHelp(
        "Seconds a write waits for other processes' writes before failing (default: $RAMPART_BUSY_TIMEOUT, else 5).",
        valueName: "seconds"))
    var busyTimeout: Double?

    @Option(name: .customLong("wal-limit-mib"), help: ArgumentHelp(
        "The size the write-ahead log is kept under, in MiB (default: $RAMPART_WAL_LIMIT_MIB, else 512).",
        valueName: "MiB"))
    var walLimitMiB: Int?

    @Option(name: .customLong("cache-mib"), help: ArgumentHelp(
        "SQLite's page cache of the connection that writes (and of those that read, except under serve, which keeps theirs at 32), in MiB (default: $RAMPART_CACHE_MIB, else 128). More helps large databases; the writer's cache fills to it as the database grows.",
        valueName: "MiB"))
    var cacheMiB: Int?

    /// The environment variables read when the options are absent.
    static let busyTimeoutVariable = "RAMPART_BUSY_TIMEOUT"
    static let walLimitVariable = "RAMPART_WAL_LIMIT_MIB"
    static let cacheVariable = "RAMPART_CACHE_MIB"
    /// Staged events per merge transaction (``SQLiteEventStore/Configuration/mergeSliceEvents``; 0: one transaction).
    static let mergeSliceVariable = "RAMPART_MERGE_SLICE_EVENTS"
    /// Events a merge owes per event committed (``SQLiteEventStore/Configuration/mergePace``).
    static let mergePaceVariable = "RAMPART_MERGE_PACE"
    /// Transactions of at least this many events go straight into `events` instead of staging
    /// (``SQLiteEventStore/Configuration/directInsertThreshold``; 0: never).
    static let directInsertVariable = "RAMPART_DIRECT_INSERT_EVENTS"
    /// Staged events that start a merge (``SQLiteEventStore/Configuration/stagedEventLimit``).
    static let stagedLimitVariable = "RAMPART_STAGED_EVENT_LIMIT"
    /// `1`: checkpoints run in the commit that fills the log even where the command would run them in the background
    /// (``SQLiteEventStore/Configuration/checkpointInBackground``), to compare the two.
    static let checkpointInCommitsVariable = "RAMPART_CHECKPOINT_IN_COMMITS"

    /// A store configuration with these settings applied.
    ///
    /// - Parameters:
    ///   - base: The other settings.
    ///   - environment: Where the defaults are read.
    /// - Throws: `ValidationError` naming the option or variable when a value is not valid.
    func configuration(
        _ base: SQLiteEventStore.Configuration = .init(),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> SQLiteEventStore.Configuration {
        var configuration = base
        if let seconds = try busyTimeout.map({ try Self.timeout($0, source: "--busy-timeout") })
            ?? environment[Self.busyTimeoutVariable].map({ try Self.timeout($0, source: Self.busyTimeoutVariable) }) {
            configuration.busyTimeout = seconds
        }
        if let mib = try walLimitMiB.map({ try Self.limit($0, source: "--wal-limit-mib") })
            ?? environment[Self.walLimitVariable].map({ try Self.limit($0, source: Self.walLimitVariable) }) {
            configuration.walSizeLimitMiB = mib
        }
        if let mib = try cacheMiB.map({ try Self.cache($0, source: "--cache-mib") })
            ?? environment[Self.cacheVariable].map({ try Self.cache($0, source: Self.cacheVariable) }) {
            configuration.cacheSizeMiB = mib
        }
        if let text = environment[Self.mergeSliceVariable] {
            guard let events = Int(text), events >= 0 else {
                throw ValidationError("\(Self.mergeSliceVariable) '\(text)': expected a whole number of events, 0 or more (0: one transaction)")
            }
            configuration.mergeSliceEvents = events
        }
        if let text = environment[Self.mergePaceVariable] {
            guard let pace = Double(text), pace.isFinite, pace >= 1 else {
                throw ValidationError("\(Self.mergePaceVariable) '\(text)': expected a number of events owed per event committed, 1 or more (e.g. 1.25)")
            }
            configuration.mergePace = pace
        }
        if let text = environment[Self.directInsertVariable] {
            guard let events = Int(text), events >= 0 else {
                throw ValidationError("\(Self.directInsertVariable) '\(text)': expected a whole number of events, 0 or more (0: never)")
            }
            configuration.directInsertThreshold = events == 0 ? .max : events
        }
        if let text = environment[Self.stagedLimitVariable] {
            guard let events = Int(text), events >= 1 else {
                throw ValidationError("\(Self.stagedLimitVariable) '\(text)': expected a whole number of events, 1 or more")
            }
            configuration.stagedEventLimit = events
        }
        if let text = environment[Self.checkpointInCommitsVariable] {
            guard text == "0" || text == "1" else {
                throw ValidationError("\(Self.checkpointInCommitsVariable) '\(text)': expected 1 (checkpoint in commits) or 0")
            }
            if text == "1" { configuration.checkpointInBackground = false }
        }
        return configuration
    }

    static func timeout(_ text: String, source: String) throws -> Double {
        guard let seconds = Double(text) else {
            throw ValidationError("\(source) '\(text)': expected a number of seconds, e.g. 5 or 0.5")
        }
        return try timeout(seconds, source: source)
    }

    static func timeout(_ seconds: Double, source: String) throws -> Double {
        guard seconds.isFinite, seconds >= 0, seconds <= 86_400 else {
            throw ValidationError("\(source) \(seconds): expected seconds from 0 to 86400")
        }
        return seconds
    }

    /// `--wal-limit-mib` or its variable, from text: whole MiB from 4 to 1048576.
    static func limit(_ text: String, source: String) throws -> Int {
        try limit(mebibytes(text, source: source, example: 512), source: source)
    }

    static func limit(_ mib: Int, source: String) throws -> Int {
        try mebibytes(mib, in: 4...(1 << 20), source: source)
    }

    /// `--cache-mib` or its variable, from text: whole MiB from 1 to 65536.
    static func cache(_ text: String, source: String) throws -> Int {
        try cache(mebibytes(text, source: source, example: 128), source: source)
    }

    static func cache(_ mib: Int, source: String) throws -> Int {
        try mebibytes(mib, in: 1...(1 << 16), source: source)
    }

    /// A whole number of MiB read from text.
    ///
    /// - Parameters:
    ///   - text: The value given.
    ///   - source: The option or variable it came from, named in the error.
    ///   - example: A value shown in the error.
    private static func mebibytes(_ text: String, source: String, example: Int) throws -> Int {
        guard let mib = Int(text) else {
            throw ValidationError("\(source) '\(text)': expected a whole number of MiB, e.g. \(example)")
        }
        return mib
    }

    /// `mib` if it lies in `range`, else an error naming `source` and the range.
    private static func mebibytes(_ mib: Int, in range: ClosedRange<Int>, source: String) throws -> Int {
        guard range.contains(mib) else {
            throw ValidationError("\(source) \(mib): expected MiB from \(range.lowerBound) to \(range.upperBound)")
        }
        return mib
    }
}
