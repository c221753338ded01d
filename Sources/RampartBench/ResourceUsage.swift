import Foundation

/// The process's own resource usage (`getrusage`), for benchmarks that report CPU time and memory.
public enum ResourceUsage {
    /// User plus system CPU time of the process so far, in seconds.
    public static func cpuSeconds() -> Double {
        let usage = current()
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return s(usage.ru_utime) + s(usage.ru_stime)
    }

    /// The largest resident set size the process has had, in MiB.
    public static func peakResidentMiB() -> Double {
        Double(current().ru_maxrss) / 1024
    }

    /// Seconds in a duration.
    public static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    private static func current() -> rusage {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return usage
    }
}
