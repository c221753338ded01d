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
    /// trim once (a CI run saw 57 MiB given back by that measure). And the trim is judged on the pages still resident
    /// just before it: a pin is not always placed after its block (a small allocation may reuse a free chunk
    /// elsewhere), and then `free` itself gives back the blocks that joined the top of the heap (a CI run saw 24 % of
    /// the pages gone before the trim).
    ///
    /// The trim is judged when at least 32 MiB of the freed blocks are still resident before it (the setup is tried up
    /// to three times to get there): on a loaded CI machine glibc has given back more than half of them before the
    /// trim in two runs (106 and 104 MiB of 256 still resident, all three attempts alike in the second), with the
    /// test's arena shared with other threads; what remains is still plenty to judge the trim by.
    @Test(.enabled(if: Allocator.isAvailable)) func freedMemoryInTheMiddleOfTheHeapIsGivenBack() throws {
        let block = 64 * 1024
        let count = 4096
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        for attempt in 1...3 {
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
            let before = try Self.residentPages(of: blocks, bytes: block)
            let held = before.filter { $0 }.count
            let heldMiB = Double(held * page) / 1_048_576
            // Enough of the freed memory is still held before the trim (else set up again); a concurrent test may
            // take some of it back after.
            guard heldMiB >= 32 || attempt == 3 else { continue }
            #expect(heldMiB >= 32, "only \(heldMiB) MiB of the 256 MiB freed was resident before the trim, in 3 attempts")
            #expect(Allocator.releaseFreeMemory())
            let after = try Self.residentPages(of: blocks, bytes: block)
            let kept = zip(before, after).filter { $0 && $1 }.count
            #expect(Double(kept) < 0.5 * Double(held), "\(kept) of the \(held) pages resident before the trim still are after it")
            return
        }
    }

    /// Whether each whole page inside `blocks` (each `bytes` long) is resident now, block after block.
    ///
    /// A page no longer mapped (the allocator unmapped it: the top of a heap shrank, or a heap was deleted; `mincore`
    /// says `ENOMEM` for any range that holds one, as a CI run saw) is not resident.
    static func residentPages(of blocks: [UnsafeMutableRawPointer], bytes: Int) throws -> [Bool] {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        var resident: [Bool] = []
        var vector = [UInt8](repeating: 0, count: bytes / page + 1)
        for start in blocks {
            let first = (Int(bitPattern: start) + page - 1) / page * page
            let end = (Int(bitPattern: start) + bytes) / page * page
            guard end > first else { continue }
            let n = (end - first) / page
            let status = vector.withUnsafeMutableBufferPointer { mincore(UnsafeMutableRawPointer(bitPattern: first), end - first, $0.baseAddress) }
            if status == 0 {
                resident += vector[0..<n].map { $0 & 1 == 1 }
                continue
            }
            try #require(errno == ENOMEM, "mincore: errno \(errno)")
            // Some page of this block is unmapped: ask page by page.
            for address in stride(from: first, to: end, by: page) {
                let status = vector.withUnsafeMutableBufferPointer { mincore(UnsafeMutableRawPointer(bitPattern: address), page, $0.baseAddress) }
                if status != 0 { try #require(errno == ENOMEM, "mincore: errno \(errno)") }
                resident.append(status == 0 && vector[0] & 1 == 1)
            }
        }
        return resident
    }
}
