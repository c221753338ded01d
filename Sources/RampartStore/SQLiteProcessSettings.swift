#if canImport(Glibc)
import Glibc
#endif
import GRDBSQLite

/// Process-wide SQLite settings applied once, before the first connection opens.
enum SQLiteProcessSettings {
    /// Turns off SQLite's memory statistics (`SQLITE_CONFIG_MEMSTATUS`), once per process, if SQLite is not
    /// initialized yet; `true` when applied.
    ///
    /// With statistics on, every allocation SQLite makes takes one process-wide mutex. Debian's libsqlite3 is built
    /// without lookaside memory, so a `GROUP BY` allocates per group and aggregate, and two analysis passes on two
    /// connections spent their time waiting on that mutex instead of running in parallel (docs/performance.md,
    /// "Report"). `sqlite3_config` is variadic, which Swift cannot call, so it is called through its address with
    /// the two `int` arguments it takes here; on Linux (x86-64 and AArch64) variadic and fixed `int` arguments are
    /// passed alike. Elsewhere (Apple's SQLite has lookaside memory) nothing is done.
    static let memoryStatisticsOff: Bool = {
        #if os(Linux)
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "sqlite3_config") else { return false }
        typealias Configure = @convention(c) (Int32, Int32) -> Int32
        let configure = unsafeBitCast(symbol, to: Configure.self)
        return configure(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK
        #else
        return false
        #endif
    }()
}
