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
        ("AB+C", .invalidCharacter),
        ("AB/C", .invalidCharacter),
        ("AB C", .invalidCharacter),
        ("ABC=", .badPadding),
    ]

    @Test("text that is not base64url without padding is rejected with its reason", arguments: rejections)
    func rejectsText(text: String, reason: SignalRejection.Reason) {
        #expect(throws: SignalRejection.self) { try BitReader(base64url: Substring(text), context: "x") }
        do {
            _ = try BitReader(base64url: Substring(text), context: "x")
        } catch {
            #expect(error.reason == reason, "\(error)")
        }
    }

    @Test("non-zero padding bits and padding of 24 bits or more are bad padding; reading past the end is truncation")
    func paddingAndTruncation() throws {
        // 6 bits of data "000010", then padding: "AB" + non-zero tail.
        var reader = try BitReader(base64url: "CB", context: "x")  // 000010 000001
        _ = try reader.int(6, "v")
        do {
            try reader.finish()
            Issue.record("a non-zero padding bit was accepted")
        } catch {
            #expect(error.reason == .badPadding)
        }
        var long = try BitReader(base64url: "CAAAAA", context: "x")  // 6 data bits + 30 zero bits
        _ = try long.int(6, "v")
        do {
            try long.finish()
            Issue.record("30 bits of padding were accepted")
        } catch {
            #expect(error.reason == .badPadding)
        }
        var short = try BitReader(base64url: "CAAA", context: "x")  // 18 zero bits of padding: fine
        _ = try short.int(6, "v")
        try short.finish()
        do {
            _ = try short.int(24, "Created")
            Issue.record("reading past the end succeeded")
        } catch {
            #expect(error.reason == .truncated)
            #expect(error.message.contains("Created"))
        }
    }
}
