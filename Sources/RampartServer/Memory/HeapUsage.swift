import Foundation

/// What the C library's allocator holds, from its own report (glibc's `malloc_info`): the memory in use by the
/// process, and the free memory it keeps in its arenas.
///
/// The resident memory alone cannot tell a server that uses more from one whose allocator keeps more of what it
/// freed; these two can (docs/operations.md, "Memory").
struct HeapUsage: Sendable, Equatable {
    /// Bytes allocated and not freed: the arenas' memory less their free chunks, plus the blocks mapped on their own.
    var inUse: Int
    /// Bytes free in the arenas (their bins and top chunks), kept for reuse; a trim gives back the whole pages of it.
    var free: Int

    /// The totals of a `malloc_info` report: the `<total>` and `<system type="current">` elements after its last
    /// `</heap>`; nil when they are missing.
    init?(mallocInfo xml: String) {
        guard let heaps = xml.range(of: "</heap>", options: .backwards) ?? xml.range(of: "<malloc") else { return nil }
        let totals = xml[heaps.upperBound...]
        func size(_ element: String) -> Int? {
            guard let start = totals.range(of: element) else { return nil }
            let rest = totals[start.upperBound...]
            guard let open = rest.range(of: "size=\""), let close = rest[open.upperBound...].firstIndex(of: "\"") else { return nil }
            return Int(rest[open.upperBound..<close])
        }
        guard let fast = size("<total type=\"fast\""), let rest = size("<total type=\"rest\""),
              let system = size("<system type=\"current\"")
        else { return nil }
        let mapped = size("<total type=\"mmap\"") ?? 0
        free = fast + rest
        inUse = system - free + mapped
    }

    init(inUse: Int, free: Int) {
        (self.inUse, self.free) = (inUse, free)
    }
}
