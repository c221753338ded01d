import Foundation
import RampartCore

/// Which file a database path named when the store opened it (device and inode), to notice the file being removed
/// or replaced under a running process.
///
/// SQLite keeps writing to the file it opened: after `rm rampart.db` (or a restore that moves another file into
/// place) commits still succeed, into an inode that no later process will open, so acknowledged events would be lost
/// at the next restart. The store checks the path before each write transaction (one `stat`, next to an fsync) and
/// refuses the write instead.
struct DatabaseFileIdentity: Sendable, Equatable {
    let path: String
    let device: UInt64
    let inode: UInt64

    /// The identity of the file at `path` now, or `nil` when there is none.
    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        self.path = path
        self.device = UInt64(info.st_dev)
        self.inode = UInt64(info.st_ino)
    }

    /// Throws when the path no longer names the file the store opened, or that file is no longer writable.
    ///
    /// - Throws: `RampartError` with code `storage` saying the file was removed, replaced or made read-only.
    func check() throws {
        guard let now = DatabaseFileIdentity(path: path) else {
            throw RampartError(.storage, "the database file \(path) was removed while the store had it open: writes are refused, since nothing written to the removed file would be seen again; restore the file or restart")
        }
        guard now == self else {
            throw RampartError(.storage, "the database file \(path) was replaced by another file while the store had it open: writes are refused; restart to use the new file")
        }
        // SQLite keeps writing through the descriptor it opened; a `chmod a-w` (or a read-only filesystem) is the
        // operator saying no more writes.
        if access(path, W_OK) != 0 {
            let reason = String(cString: strerror(errno))
            throw RampartError(.storage, "the database file \(path) is no longer writable by this process (\(reason)): it was made read-only while the store had it open, so writes are refused; make it writable again to resume")
        }
    }
}
