import Testing

@testable import TierwatchCore

@Suite("Raw byte buffer")
struct RawBytesTests {
    @Test("appending byte runs of every length from 0 to 40, at several offsets, keeps each byte in order")
    func appendsEveryLength() {
        // Source bytes that differ at every position, so that a word copied to the wrong
        // place or a byte from outside the run shows.
        let source = (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        var buffer = RawBytes(capacity: 8)  // small, so that appends also grow it
        defer { buffer.deallocate() }
        var expected: [UInt8] = []
        source.withUnsafeBytes { all in
            for length in 0...40 {
                for start in [0, 1, 7, 64 - length] where start + length <= all.count {
                    buffer.append(bytes: UnsafeRawBufferPointer(rebasing: all[start..<start + length]))
                    expected += source[start..<start + length]
                    buffer.append(0xFF)
                    expected.append(0xFF)
                }
            }
        }
        #expect(Array(buffer.bytes) == expected)
    }
}
