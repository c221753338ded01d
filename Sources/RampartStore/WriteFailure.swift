import Foundation
import GRDB
import GRDBSQLite
import RampartCore

/// A write transaction that SQLite refused for a reason other than the lock, with the operating system's error
/// number at the moment it failed, turned into a `RampartError` that names the cause.
///
/// A client needs to know why nothing was stored: a full disk (free space), a failed fsync (the storage is failing;
/// nothing of the transaction was acknowledged), a file that became read-only, or a corrupt file.
struct WriteFailure: Error, Sendable {
    /// What SQLite answered.
    var error: DatabaseError
    /// `sqlite3_system_errno` right after the failure (0 when SQLite had no system error).
    var systemErrno: Int32

    /// The error for the caller.
    ///
    /// - Parameter what: What was being written, e.g. "storing events".
    /// - Returns: `storageFull` for a full disk (`SQLITE_FULL`, or an I/O error with `ENOSPC`/`EDQUOT`), `storage`
    ///   naming the operation that failed otherwise.
    func rampartError(_ what: String) -> RampartError {
        let system = systemErrno == 0 ? "" : ": " + String(cString: strerror(systemErrno))
        let extended = error.extendedResultCode
        let nothing = "nothing of this write was stored"
        if error.resultCode == .SQLITE_FULL || systemErrno == ENOSPC || systemErrno == EDQUOT {
            return RampartError(.storageFull, "\(what) failed: the disk holding the database is full (\(Self.name(extended))\(system)); \(nothing); free space and retry", cause: error)
        }
        switch error.resultCode {
        case .SQLITE_IOERR:
            return RampartError(.storage, "\(what) failed: the operating system could not \(Self.operation(extended)) (\(Self.name(extended))\(system)); \(nothing) and nothing was acknowledged", cause: error)
        case .SQLITE_READONLY:
            return RampartError(.storage, "\(what) failed: the database is read-only (\(Self.name(extended))\(system)); \(nothing)", cause: error)
        case .SQLITE_CORRUPT:
            return RampartError(.storage, "\(what) failed: the database file is corrupt (\(Self.name(extended))); \(nothing)", cause: error)
        case .SQLITE_CANTOPEN:
            return RampartError(.storage, "\(what) failed: the database file cannot be opened (\(Self.name(extended))\(system)); \(nothing)", cause: error)
        default:
            return RampartError(.storage, "\(what) failed", cause: error)
        }
    }

    /// What an extended I/O error code says was being done.
    static func operation(_ extended: ResultCode) -> String {
        switch extended {
        case .SQLITE_IOERR_FSYNC, .SQLITE_IOERR_DIR_FSYNC: "sync the database to disk (fsync)"
        case .SQLITE_IOERR_WRITE: "write the database"
        case .SQLITE_IOERR_READ, .SQLITE_IOERR_SHORT_READ: "read the database"
        case .SQLITE_IOERR_TRUNCATE: "truncate the database"
        case .SQLITE_IOERR_SHMOPEN, .SQLITE_IOERR_SHMSIZE, .SQLITE_IOERR_SHMMAP: "map the write-ahead log's shared index"
        case .SQLITE_IOERR_FSTAT: "read the database file's status"
        case .SQLITE_IOERR_LOCK, .SQLITE_IOERR_RDLOCK, .SQLITE_IOERR_UNLOCK: "lock the database file"
        default: "read or write the database"
        }
    }

    /// SQLite's description of a result code and its number, e.g. `disk I/O error, SQLite code 1034`.
    static func name(_ extended: ResultCode) -> String {
        String(cString: sqlite3_errstr(extended.rawValue)) + ", SQLite code \(extended.rawValue)"
    }
}
