import Foundation
import Testing
@testable import RampartServer

/// Free memory the allocator keeps goes back to the operating system when the server trims its heap.
@Suite("Heap trim", .serialized)
struct HeapTrimTests {
    /// The server's allocator options are taken by glibc. (What they do to resident memory is measured, not unit
    /// tested: a block is mapped on its own only when its arena has no free chunk to serve it, which in a test
    /// process full of freed memory is rarely the case; docs/performance.md, "Soak".)
    @Test(.enabled(if: Allocator.isAvailable)) func theServersOptionsAreTaken() {
        #expect(Allocator.configureForServer())
    }

    /// 256 MiB freed in the middle of the heap (each 64 KiB block pinned in place by a small allocation after it, so
    /// that `free` cannot shrink the heap from its top) stays resident until a trim gives it back.
    ///
    /// Residency is read page by page over the freed blocks themselves (`mincore`), not as the process's `VmRSS`:
    /// other tests allocate and free hundreds of MiB in this process meanwhile, which moved `VmRSS` by more than the
    /// trim once (a CI run saw 57 MiB given back by that measure).
    @Test(.enabled(if: Allocator.isAvailable)) func freedMemoryInTheMiddleOfTheHeapIsGivenBack() throws {
        let block = 64 * 1024
        let count = 4096
        var blocks: [UnsafeMutableRawPointer] = []
        var pins: [UnsafeMutableRawPointer] = []
        for _ in 0..<count {
            let memory = try #require(malloc(block))
            memset(memory, 0x5a, block)
            blocks.append(memory)
            pins.append(try #require(malloc(32)))
        }
        defer { pins.forEach { free($0) } }
        blocks.forEach { free($0) }
        let held = try Self.residentShare(of: blocks, bytes: block)
        #expect(Allocator.releaseFreeMemory())
        let after = try Self.residentShare(of: blocks, bytes: block)
        // A concurrent test may take some of the freed blocks back before the trim; most stay free.
        #expect(held > 0.9 && after < 0.5, "resident share of the freed blocks' pages: \(held) before the trim, \(after) after")
    }

    /// The share of the whole pages inside `blocks` (each `bytes` long) that are resident now.
    static func residentShare(of blocks: [UnsafeMutableRawPointer], bytes: Int) throws -> Double {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        var resident = 0, pages = 0
        var vector = [UInt8](repeating: 0, count: bytes / page + 1)
        for start in blocks {
            let first = (Int(bitPattern: start) + page - 1) / page * page
            let end = (Int(bitPattern: start) + bytes) / page * page
            guard end > first else { continue }
            let n = (end - first) / page
            let status = vector.withUnsafeMutableBufferPointer { mincore(UnsafeMutableRawPointer(bitPattern: first), end - first, $0.baseAddress) }
            try #require(status == 0, "mincore: errno \(errno)")
            resident += vector[0..<n].reduce(0) { $0 + Int($1 & 1) }
            pages += n
        }
        return pages == 0 ? 0 : Double(resident) / Double(pages)
    }
}
