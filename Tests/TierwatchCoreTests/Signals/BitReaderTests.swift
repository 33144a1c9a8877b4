import Testing
@testable import TierwatchCore

@Suite("Bit reader (base64url bit fields, Fibonacci codes)")
struct BitReaderTests {
    /// The GPP spec's table "bit representation of the first Fibonacci numbers".
    static let fibonacciTable: [(Int, String)] = [
        (1, "11"), (2, "011"), (3, "0011"), (4, "1011"), (5, "00011"), (6, "10011"), (7, "01011"),
    ]

    @Test("Fibonacci code words decode as in the GPP spec's table", arguments: fibonacciTable)
    func fibonacciFromSpec(value: Int, bits: String) throws {
        var w = BitWriter()
        w.raw(bits)
        var reader = try BitReader(base64url: Substring(w.base64url()), context: "test")
        #expect(try reader.fibonacci("n") == value)
        #expect(reader.position == bits.count)
        var encoder = BitWriter()
        encoder.fibonacci(value)
        #expect(encoder.bits == w.bits, "the test encoder agrees with the spec's table")
    }

    @Test("Fibonacci values round-trip through the test encoder", arguments: [8, 13, 20, 100, 999, 4181])
    func fibonacciRoundTrip(value: Int) throws {
        var w = BitWriter()
        w.fibonacci(value)
        w.int(5, 3)
        var reader = try BitReader(base64url: Substring(w.base64url()), context: "test")
        #expect(try reader.fibonacci("n") == value)
        #expect(try reader.int(3, "tail") == 5)
    }

    @Test("fixed-width integers read big-endian across character boundaries")
    func integers() throws {
        var w = BitWriter()
        w.int(2, 6)
        w.int(17_636_544_000, 36)
        w.int(4095, 12)
        w.bool(true)
        var reader = try BitReader(base64url: Substring(w.base64url()), context: "test")
        #expect(try reader.int(6, "a") == 2)
        #expect(try reader.int(36, "b") == 17_636_544_000)
        #expect(try reader.int(12, "c") == 4095)
        #expect(try reader.bool("d"))
        try reader.finish()
    }

    static let rejections: [(String, SignalRejection.Reason)] = [
        ("", .empty),
        ("==", .empty),
        ("AB+C", .invalidCharacter),
        ("AB/C", .invalidCharacter),
        ("AB C", .invalidCharacter),
        ("AB=C", .invalidCharacter),
        ("A=B", .invalidCharacter),
    ]

    @Test("characters outside base64url, and '=' anywhere but the end, are rejected with their reason", arguments: rejections)
    func rejectsText(text: String, reason: SignalRejection.Reason) {
        #expect(throws: SignalRejection.self) { try BitReader(base64url: Substring(text), context: "x") }
        do {
            _ = try BitReader(base64url: Substring(text), context: "x")
        } catch {
            #expect(error.reason == reason, "\(error)")
        }
    }

    /// Six bits a character, not bytes: lengths 1 to 9 (every residue mod 4), with 0 to 3
    /// trailing `=`, all read the same sextets.
    @Test("any number of characters is read, and trailing '=' is ignored", arguments: 1...9)
    func anyLengthAndPadding(length: Int) throws {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let text = String((0..<length).map { alphabet[($0 * 37 + 11) % 64] })
        for padding in 0...3 {
            var reader = try BitReader(base64url: Substring(text + String(repeating: "=", count: padding)), context: "x")
            #expect(reader.bitCount == length * 6)
            for index in 0..<length {
                #expect(try reader.int(6, "s") == (index * 37 + 11) % 64)
            }
            try reader.finish()
        }
    }

    @Test("bits after the last field are filler whatever their number or value; reading past the end is truncation")
    func fillerAndTruncation() throws {
        // 6 bits of data "000010", then a non-zero tail: accepted, the tail is not read.
        var reader = try BitReader(base64url: "CB", context: "x")  // 000010 000001
        #expect(try reader.int(6, "v") == 2)
        try reader.finish()
        var long = try BitReader(base64url: "CAAAA_", context: "x")  // 6 data bits + 30 filler bits
        #expect(try long.int(6, "v") == 2)
        #expect(long.remaining == 30)
        try long.finish()
        var short = try BitReader(base64url: "CAAA", context: "x")
        _ = try short.int(6, "v")
        do {
            _ = try short.int(24, "Created")
            Issue.record("reading past the end succeeded")
        } catch {
            #expect(error.reason == .truncated)
            #expect(error.message.contains("Created"))
        }
    }
}
