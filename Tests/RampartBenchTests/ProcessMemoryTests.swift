import Foundation
import Testing
@testable import RampartBench

/// The soak's memory parts, read from `/proc/PID/status`.
@Suite("Process memory")
struct ProcessMemoryTests {
    /// The resident set and its three parts, in MiB; other lines are left alone.
    @Test func theResidentSetAndItsParts() throws {
        let status = """
            Name:\trampart
            VmPeak:\t 2000000 kB
            VmRSS:\t  460800 kB
            RssAnon:\t  409600 kB
            RssFile:\t   40960 kB
            RssShmem:\t   10240 kB
            Threads:\t12
            """
        let memory = try #require(ProcessMemory(status: status))
        #expect(memory == ProcessMemory(resident: 450, anonymous: 400, file: 40, shared: 10))
        #expect(memory.anonymous + memory.file + memory.shared == memory.resident)
    }

    /// Without a resident set (a kernel thread, or not a status file) there is nothing; this process has one.
    @Test func noResidentSetIsNothing() throws {
        #expect(ProcessMemory(status: "Name:\tkthreadd\nThreads:\t1") == nil)
        let own = try #require(ProcessMemory.of(getpid()))
        #expect(own.resident > 0 && own.anonymous > 0 && own.anonymous <= own.resident)
    }
}
