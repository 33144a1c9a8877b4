import Foundation
import Gzip
import Testing

/// Runs `arguments[0]` with the rest as arguments and returns its standard output.
private func run(_ arguments: [String], input: [UInt8]? = nil) throws -> (status: Int32, output: [UInt8]) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, [UInt8](data))
}

/// A temporary file holding `bytes`, removed by the caller.
private func temporaryFile(_ bytes: [UInt8]) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("gzip-tests-\(UUID().uuidString)").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

/// ~300 KB of half-compressible, deterministic bytes: text lines mixed with noise.
private let sample: [UInt8] = {
    var state: UInt32 = 12345
    var bytes: [UInt8] = []
    for line in 0..<6_000 {
        bytes += Array("line \(line): tier=gold region=eu ".utf8)
        for _ in 0..<12 {
            state = state &* 1_664_525 &+ 1_013_904_223
            bytes.append(UInt8(truncatingIfNeeded: state >> 24))
        }
        bytes.append(0x0A)
    }
    return bytes
}()

/// Inflates `compressed`, feeding it in pieces of `chunk` bytes, and finishes.
private func inflate(_ compressed: [UInt8], chunk: Int) throws -> [UInt8] {
    let inflater = try GzipInflater()
    var output: [UInt8] = []
    try compressed.withUnsafeBytes { all in
        var offset = 0
        while offset < all.count {
            let end = min(offset + chunk, all.count)
            try inflater.inflate(UnsafeRawBufferPointer(rebasing: all[offset..<end])) { output += $0 }
            offset = end
        }
    }
    try inflater.finish()
    return output
}

private func deflate(_ input: [UInt8], level: Int32 = 6) throws -> [UInt8] {
    let deflater = try GzipDeflater(level: level)
    var output: [UInt8] = []
    try input.withUnsafeBytes { try deflater.deflate($0) { output += $0 } }
    try deflater.finish { output += $0 }
    return output
}

@Suite("Gzip")
struct GzipTests {
    static let chunkSizes = [1, 7, 4096, 1 << 20]

    @Test("data compressed by the system gzip inflates in tiny and big chunks", arguments: chunkSizes)
    func systemGzip(chunk: Int) throws {
        let path = try temporaryFile(sample)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (status, compressed) = try run(["gzip", "-c", path])
        try #require(status == 0)
        #expect(try inflate(compressed, chunk: chunk) == sample)
    }

    @Test("data compressed by Python's gzip module inflates in tiny and big chunks", arguments: chunkSizes)
    func pythonGzip(chunk: Int) throws {
        let path = try temporaryFile(sample)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let script = "import gzip,sys; sys.stdout.buffer.write(gzip.compress(open(sys.argv[1],'rb').read(), 9))"
        let (status, compressed) = try run(["python3", "-c", script, path])
        try #require(status == 0)
        #expect(try inflate(compressed, chunk: chunk) == sample)
    }

    @Test("two concatenated members inflate to both payloads, like gzip -d", arguments: [1, 7, 100_000])
    func concatenatedMembers(chunk: Int) throws {
        let first = Array("first member\n".utf8)
        let second = Array(sample.prefix(50_000))
        let compressed = try deflate(first) + deflate(second)
        #expect(try inflate(compressed, chunk: chunk) == first + second)
    }

    @Test("a truncated stream is reported by finish", arguments: [1, 10, 100, 2_000])
    func truncated(cut: Int) throws {
        let compressed = try deflate(sample)
        let inflater = try GzipInflater()
        try compressed.dropLast(cut).withUnsafeBytes { try inflater.inflate($0) { _ in } }
        let error = try #require(throws: GzipError.self) { try inflater.finish() }
        #expect(error.message.contains("truncated gzip stream"))
    }

    @Test("finish without any input is a truncated stream")
    func noInput() throws {
        let inflater = try GzipInflater()
        let error = try #require(throws: GzipError.self) { try inflater.finish() }
        #expect(error.message.hasPrefix("truncated gzip stream"))
    }

    @Test("input that is not gzip names the header problem")
    func notGzip() throws {
        let error = try #require(throws: GzipError.self) {
            try inflate(Array("id,tier\n1,gold\n".utf8), chunk: 4096)
        }
        #expect(error.message.contains("incorrect header check"))
        #expect(error.description.hasPrefix("gzip: "))
    }

    @Test("a flipped byte in the CRC is reported as a data check error")
    func corruptedChecksum() throws {
        var compressed = try deflate(sample)
        compressed[compressed.count - 6] ^= 0x01  // inside the CRC-32 of the trailer
        let error = try #require(throws: GzipError.self) { try inflate(compressed, chunk: 4096) }
        #expect(error.message.contains("incorrect data check"))
    }

    @Test("a flipped byte in the compressed body is an error, never silent garbage")
    func corruptedBody() throws {
        var compressed = try deflate(sample)
        compressed[compressed.count / 2] ^= 0x40
        #expect(throws: GzipError.self) { try inflate(compressed, chunk: 4096) }
    }

    @Test("an error thrown by the sink stops inflation and is rethrown")
    func sinkError() throws {
        struct Stop: Error {}
        let compressed = try deflate(sample)
        let inflater = try GzipInflater()
        #expect(throws: Stop.self) {
            try compressed.withUnsafeBytes { try inflater.inflate($0) { _ in throw Stop() } }
        }
    }

    @Test("deflate then inflate returns the input", arguments: [0, 1, 6, 9])
    func roundTrip(level: Int32) throws {
        for input in [[], Array("x".utf8), sample] {
            #expect(try inflate(deflate(input, level: level), chunk: 7_777) == input)
        }
    }

    @Test("deflate output is byte-identical for identical input and gzip -t accepts it")
    func deterministic() throws {
        let first = try deflate(sample)
        let second = try deflate(sample)
        #expect(first == second)
        #expect(Array(first.prefix(10)) == [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255])
        let path = try temporaryFile(first)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try run(["gzip", "-t", path]).status == 0)
        #expect(try run(["gzip", "-dc", path]).output == sample)
    }

    @Test("an out-of-range level is rejected")
    func badLevel() {
        #expect(throws: GzipError.self) { try GzipDeflater(level: 10) }
    }

    @Test("the zlib version is a dotted number")
    func version() {
        #expect(ZlibLibrary.version.hasPrefix("1."))
    }
}
