#if canImport(Glibc)
import Glibc
#endif

/// The C library's allocator, tuned for a long-running server whose memory should follow what it uses.
///
/// glibc keeps freed memory in its arenas (one per thread, up to eight per core) for reuse and gives back only what
/// lies at the top of the main heap; and after a large block allocated with `mmap` is freed it raises its `mmap`
/// threshold, so later large blocks come from the arenas and stay there when freed. A server whose threads allocate
/// and free large, short-lived buffers (an analysis's per-unit arrays, SQLite's page caches of readers emptied at
/// every read transaction, request bodies) then holds its peak: in `rampart bench soak`, 990 MiB taken from the
/// system against 194–265 MiB in use, over 13 arenas (docs/performance.md, "Soak").
///
/// `mallopt`, `malloc_trim` and `malloc_info` are looked up at run time because Swift's Glibc module does not export
/// `<malloc.h>`; on a C library without them (musl, Darwin) every call here does nothing.
public enum Allocator {
    private typealias Trim = @convention(c) (Int) -> Int32
    private typealias Option = @convention(c) (Int32, Int32) -> Int32

    private static func symbol<T>(_ name: String, as type: T.Type) -> T? {
        #if canImport(Glibc)
        guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(address, to: type)
        #else
        return nil
        #endif
    }

    private static let trim: Trim? = symbol("malloc_trim", as: Trim.self)
    private static let option: Option? = symbol("mallopt", as: Option.self)
    #if canImport(Glibc)
    private typealias Info = @convention(c) (Int32, UnsafeMutablePointer<FILE>?) -> Int32
    private static let info: Info? = symbol("malloc_info", as: Info.self)
    #endif

    /// Whether this C library can give free memory back (glibc).
    static var isAvailable: Bool { trim != nil }

    /// Sets the server's allocator options; call once, before the server's threads start.
    ///
    /// - Parameters:
    ///   - mmapThresholdBytes: Blocks of this size or more are mapped on their own and unmapped when freed, and the
    ///     threshold stays there (glibc's `M_MMAP_THRESHOLD`; setting it turns off the dynamic raise).
    ///   - arenas: The most arenas (`M_ARENA_MAX`): fewer arenas hold less free memory between them.
    /// - Returns: Whether both options were taken.
    @discardableResult
    public static func configureForServer(mmapThresholdBytes: Int32 = 256 * 1024, arenas: Int32 = 4) -> Bool {
        guard let option else { return false }
        let mmapThreshold: Int32 = -3, arenaMax: Int32 = -8
        return option(mmapThreshold, mmapThresholdBytes) == 1 && option(arenaMax, arenas) == 1
    }

    /// What the allocator holds now (`malloc_info`: it walks every arena, holding each one's lock meanwhile); nil
    /// on a C library without it.
    static func usage() -> HeapUsage? {
        #if canImport(Glibc)
        guard let info else { return nil }
        var buffer: UnsafeMutablePointer<CChar>?
        var length = 0
        guard let stream = open_memstream(&buffer, &length) else { return nil }
        let status = info(0, stream)
        fclose(stream)
        defer { free(buffer) }
        guard status == 0, let buffer else { return nil }
        return HeapUsage(mallocInfo: String(cString: buffer))
        #else
        return nil
        #endif
    }

    /// Gives every arena's free pages back to the operating system (`malloc_trim(0)`).
    ///
    /// - Returns: Whether any memory was given back; `false` when nothing was or the C library cannot.
    @discardableResult
    static func releaseFreeMemory() -> Bool {
        guard let trim else { return false }
        return trim(0) == 1
    }
}
