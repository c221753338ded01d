#if canImport(Glibc)
import Glibc
#endif

/// Hands memory the allocator holds free back to the operating system.
///
/// glibc keeps freed memory in its arenas for reuse and gives back only what lies at the top of the main heap. A
/// server whose threads allocate and free large, short-lived buffers (an analysis's per-unit arrays, SQLite's sort
/// buffers, request bodies) then keeps its peak in memory: in `rampart bench soak` 500 of 860 MiB resident after 7
/// minutes was free memory held that way, and one `malloc_trim(0)` returned it (docs/performance.md, "Soak").
///
/// `malloc_trim` is looked up at run time because Swift's Glibc module does not export `<malloc.h>`; on a C library
/// without it (musl, Darwin) ``release()`` does nothing.
enum HeapTrim {
    private typealias Trim = @convention(c) (Int) -> Int32

    private static let trim: Trim? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: Trim.self)
        #else
        return nil
        #endif
    }()

    /// Whether this C library can give free memory back (glibc).
    static var isAvailable: Bool { trim != nil }

    /// Gives every arena's free pages back to the operating system (`malloc_trim(0)`).
    ///
    /// - Returns: Whether any memory was given back; `false` when nothing was or the C library cannot.
    @discardableResult
    static func release() -> Bool {
        guard let trim else { return false }
        return trim(0) == 1
    }
}
