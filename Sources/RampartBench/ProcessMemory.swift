import Foundation

/// A process's resident memory and its parts, from `/proc/PID/status`, in MiB.
///
/// `VmRSS` is the sum of `RssAnon` (the heap: the allocator's arenas and mapped blocks, SQLite's page caches among
/// them), `RssFile` (pages of mapped files: the executable, its libraries, and SQLite's `-shm` WAL index, a mapped
/// file) and `RssShmem` (shared memory that is not a file's, such as a tmpfs mapping).
struct ProcessMemory: Sendable, Equatable {
    var resident = 0.0
    var anonymous = 0.0
    var file = 0.0
    var shared = 0.0

    init(resident: Double = 0, anonymous: Double = 0, file: Double = 0, shared: Double = 0) {
        (self.resident, self.anonymous, self.file, self.shared) = (resident, anonymous, file, shared)
    }

    /// The memory of process `pid`; nil when it is gone or the file cannot be read.
    static func of(_ pid: Int32) -> ProcessMemory? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        return ProcessMemory(status: text)
    }

    /// The memory named in the text of a `/proc/PID/status` file; nil without a `VmRSS` line.
    init?(status text: String) {
        var found = false
        for line in text.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, let kib = Double(fields[1]) else { continue }
            let mib = kib / 1024
            switch fields[0] {
            case "VmRSS:": resident = mib; found = true
            case "RssAnon:": anonymous = mib
            case "RssFile:": file = mib
            case "RssShmem:": shared = mib
            default: continue
            }
        }
        guard found else { return nil }
    }
}
