import GRDB
import GRDBSQLite

extension DatabaseError {
    /// The error of a statement step through SQLite's C API: its result code and the connection's message.
    ///
    /// - Parameters:
    ///   - code: What `sqlite3_step` returned.
    ///   - connection: The connection that ran the statement.
    static func step(_ code: Int32, on connection: OpaquePointer?) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)))
    }
}
