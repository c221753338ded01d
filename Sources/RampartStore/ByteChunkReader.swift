import Foundation
import RampartCore

/// Reads NDJSON input in large chunks that end on a line boundary: from a file, standard input, a gzip file
/// (through `gzip -dc`), or memory.
///
/// The first chunks are smaller (a quarter of the chunk size, then half), so the writer gets its first batch
/// sooner: nothing can be committed while the first chunk is parsed.
public final class ByteChunkReader {
    private var handle: FileHandle?
    private var memory: [UInt8]?
    private var memoryOffset = 0
    private var process: Process?
    private var carry: [UInt8] = []
    private var finished = false
    /// The preferred chunk size in bytes.
    public let chunkSize: Int
    /// The size of the next read: it doubles up to ``chunkSize``.
    private var readSize: Int

    /// Reads a path; `-` is standard input and a name ending in `.gz` is decompressed with `gzip -dc`.
    public init(path: String, chunkSize: Int = 4 << 20) throws {
        self.chunkSize = chunkSize
        readSize = max(1, chunkSize / 4)
        if path == "-" {
            handle = FileHandle.standardInput
        } else if path.hasSuffix(".gz") {
            guard FileManager.default.isReadableFile(atPath: path) else { throw RampartError(.invalidInput, "cannot read \(path)") }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["gzip", "-dc", path]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            self.process = process
            handle = pipe.fileHandleForReading
        } else {
            guard let file = FileHandle(forReadingAtPath: path) else { throw RampartError(.invalidInput, "cannot read \(path)") }
            handle = file
        }
    }

    /// Reads from memory.
    public init(bytes: [UInt8], chunkSize: Int = 4 << 20) {
        self.chunkSize = chunkSize
        readSize = max(1, chunkSize / 4)
        memory = bytes
    }

    /// The next chunk of whole lines, or `nil` at the end of the input.
    public func next() throws -> [UInt8]? {
        while !finished {
            let piece = try read()
            guard let piece, !piece.isEmpty else {
                finished = true
                break
            }
            if let lastNewline = piece.lastIndex(of: 0x0A) {
                var chunk = carry
                if chunk.isEmpty, lastNewline == piece.count - 1 { return piece }  // the usual case: no copy
                chunk.append(contentsOf: piece[...lastNewline])
                carry = Array(piece[(lastNewline + 1)...])
                return chunk
            }
            carry.append(contentsOf: piece)
        }
        if let process {
            process.waitUntilExit()
            self.process = nil
            if process.terminationStatus != 0 { throw RampartError(.invalidInput, "gzip -dc failed with status \(process.terminationStatus)") }
        }
        guard !carry.isEmpty else { return nil }
        defer { carry = [] }
        return carry
    }

    private func read() throws -> [UInt8]? {
        let size = readSize
        readSize = min(chunkSize, readSize * 2)
        if let memory {
            guard memoryOffset < memory.count else { return nil }
            let end = min(memory.count, memoryOffset + size)
            defer { memoryOffset = end }
            return Array(memory[memoryOffset..<end])
        }
        guard let handle else { return nil }
        // Straight into an array with read(2) when the input is a file descriptor: no `Data` in between.
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        let descriptor = handle.fileDescriptor
        while filled < size {
            let n = bytes.withUnsafeMutableBytes { raw in Glibc.read(descriptor, raw.baseAddress! + filled, size - filled) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw RampartError(.invalidInput, "cannot read the input: \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            filled += n
        }
        bytes.removeSubrange(filled...)
        return filled == 0 ? nil : bytes
    }
}
