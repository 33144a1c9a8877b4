import Testing

@testable import TierwatchCore

func parseInstant(_ text: String) -> Int64? { Array(text.utf8).withUnsafeBytes { FieldParsers.instant($0) } }
func parseMicros(_ text: String) -> Int64? { Array(text.utf8).withUnsafeBytes { FieldParsers.micros($0) } }

@Suite("Typed field parsers")
struct FieldParsersTests {
    // 2026-11-16T08:30:00Z = 1_794_817_800 s (checked with Python's datetime).
    static let instantCases: [(String, Int64?)] = [
        ("2026-11-16T08:30:00Z", 1_794_817_800_000),
        ("2026-11-16T09:30:00+01:00", 1_794_817_800_000),
        ("2026-11-16T09:30:00+0100", 1_794_817_800_000),
        ("2026-11-16T09:30:00+01", 1_794_817_800_000),
        ("2026-11-16T03:30:00-05:00", 1_794_817_800_000),
        ("2026-11-16 08:30:00Z", 1_794_817_800_000),
        ("2026-11-16t08:30:00z", 1_794_817_800_000),
        ("2026-11-16T08:30:00.250Z", 1_794_817_800_250),
        ("2026-11-16T08:30:00.5Z", 1_794_817_800_500),
        ("2026-11-16T08:30:00.123456Z", 1_794_817_800_123),
        (" 2026-11-16T08:30:00Z ", 1_794_817_800_000),
        ("1970-01-01T00:00:00Z", 0),
        ("2024-02-29T00:00:00Z", 1_709_164_800_000),
        ("2026-11-16T08:30:00", nil),
        ("2026-11-16", nil),
        ("2026-02-29T00:00:00Z", nil),
        ("2026-13-01T00:00:00Z", nil),
        ("2026-11-16T24:00:00Z", nil),
        // The time of day is checked as one word: every position must fail on its own.
        ("2026-11-16T23:59:59Z", 1_794_873_599_000),
        ("2026-11-16T08:60:00Z", nil), ("2026-11-16T08:30:60Z", nil),
        ("2026-11-16T0:830:00Z", nil), ("2026-11-16T08.30:00Z", nil), ("2026-11-16T08:30.00Z", nil),
        ("2026-11-16T/8:30:00Z", nil), ("2026-11-16T0::30:00Z", nil), ("2026-11-16T08:;0:00Z", nil),
        ("2026-11-16T08:3?:00Z", nil), ("2026-11-16T08:30:/0Z", nil), ("2026-11-16T08:30:0:Z", nil),
        ("2026-11-16T08:30:0\u{B0}Z", nil), ("2026-11-16T\u{38}8:30:00Z", nil),
        ("2026-11-16T08:30:00+1:00", nil),
        ("2026-11-16T08:30:00.Z", nil),
        ("16/11/2026 08:30", nil),
        ("", nil),
    ]

    @Test("reads ISO-8601 instants with a zone and rejects the rest", arguments: instantCases)
    func instants(_ text: String, _ expected: Int64?) {
        #expect(parseInstant(text) == expected)
    }

    static let moneyCases: [(String, Int64?)] = [
        ("12", 12_000_000), ("12.5", 12_500_000), ("0.000001", 1), (".5", 500_000), ("-3.25", -3_250_000),
        ("19.990000", 19_990_000), ("1.2345678", nil), ("1e3", nil), ("1,000", nil), ("", nil), ("abc", nil), ("1.", nil),
        // The largest whole part, and digit runs that would overflow Int64 while being read
        // (the fuzz regression Tests/Fuzz/Regressions/fields/micros-22-digits-overflow).
        ("999999999999.999999", 999_999_999_999_999_999), ("1000000000000", nil), ("0666666666666666666662", nil),
        ("999999999999999999999999", nil), ("1.99999999999999999999", nil), ("-99999999999999999999999", nil),
    ]

    @Test("reads decimals exactly into micro-units", arguments: moneyCases)
    func decimals(_ text: String, _ expected: Int64?) {
        #expect(parseMicros(text) == expected)
    }

    @Test("formats instants back as UTC, with milliseconds only when present")
    func utcFormatting() {
        #expect(CivilCalendar.utcString(1_794_817_800_000) == "2026-11-16T08:30:00Z")
        #expect(CivilCalendar.utcString(1_794_817_800_250) == "2026-11-16T08:30:00.250Z")
        #expect(CivilCalendar.utcString(-1) == "1969-12-31T23:59:59.999Z")
        // Years past 9999 (never parsed, only computed) keep all their digits.
        #expect(CivilCalendar.utcString(253_402_300_800_000) == "10000-01-01T00:00:00Z")
    }

    @Test("instants written one after another with one day cache are written as each alone")
    func utcDayCache() {
        var day = CivilCalendar.UTCDay()
        var state: UInt64 = 9
        let out = UnsafeMutablePointer<UInt8>.allocate(capacity: CivilCalendar.maximumUTCLength)
        defer { out.deallocate() }
        // Runs of instants on one day, next days, days far apart, before 1970 and past 9999.
        var instants: [Int64] = [-62_135_596_800_000, 253_402_300_800_000, 253_402_300_799_999, -1, 0]
        for _ in 0..<5000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let last = instants.last!
            instants.append(state % 4 == 0 ? Int64(bitPattern: state) / 1000 : last &+ Int64(state >> 40 % 20_000_000))
        }
        for instant in instants {
            let count = CivilCalendar.writeUTC(instant, to: out, day: &day)
            let written = String(decoding: UnsafeBufferPointer(start: out, count: count), as: UTF8.self)
            #expect(written == CivilCalendar.utcString(instant), "\(instant)")
        }
    }

    @Test("formats any instant from year 1 to 9999 so that it parses back to itself")
    func utcRoundTrip() {
        var state: UInt64 = 42
        let first: Int64 = -62_135_596_800_000, last: Int64 = 253_402_300_799_999  // 0001-01-01 … 9999-12-31
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let instant = first + Int64(state >> 1 % UInt64(last - first + 1))
            let text = CivilCalendar.utcString(instant)
            let parsed = Array(text.utf8).withUnsafeBytes { FieldParsers.instant($0) }
            #expect(parsed == instant, "\(instant) formatted as \(text)")
        }
    }

    @Test("a date cache gives what parsing gives: dates seen before, other times of their day, slots shared and invalid dates")
    func dateCache() {
        let cache = FieldParsers.DateCache()
        func cached(_ text: String) -> Int64? { Array(text.utf8).withUnsafeBytes { FieldParsers.instant($0, cache: cache) } }
        var state: UInt64 = 7
        var texts: [String] = []
        for _ in 0..<3000 {
            // About 1,500 days in four years: far more dates than the cache has slots.
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let instant = 1_700_000_000_000 + Int64(state >> 24 % 130_000_000_000)
            texts.append(CivilCalendar.utcString(instant))
        }
        texts += ["2026-02-29T10:00:00Z", "2026-02-28T10:00:00Z", "2026-02-29T10:00:00Z", "2024-02-29T23:59:59+02:00"]
        texts.append(String(repeating: "\u{0}", count: 10) + "T00:00:00Z")  // bytes an empty slot holds
        var differ = 0
        for text in texts + texts.reversed() where cached(text) != parseInstant(text) { differ += 1 }
        #expect(differ == 0)
        #expect(cached("2026-02-29T10:00:00Z") == nil)
        #expect(cached(String(repeating: "\u{0}", count: 10) + "T00:00:00Z") == nil)
    }
}

@Suite("Exact decimal formatting")
struct FixedPointTests {
    static let ratioCases: [(Int64, Int64, Int, String)] = [
        (1, 3, 6, "0.333333"), (2, 3, 6, "0.666667"), (1, 8, 2, "0.13"), (5, 1000, 2, "0.01"), (-5, 1000, 2, "-0.01"),
        (-12345, 1000, 2, "-12.35"), (25005, 1000, 2, "25.01"), (0, 7, 3, "0.000"), (1, 0, 6, ""), (7, 7, 6, "1.000000"),
        (-1, 3, 2, "-0.33"), (-1, 1000, 2, "0.00"), (10, 4, 0, "3"),
    ]

    @Test("rounds the exact ratio half away from zero", arguments: ratioCases)
    func ratio(_ n: Int64, _ d: Int64, _ scale: Int, _ expected: String) {
        #expect(FixedPoint.ratio(n, d, scale: scale) == expected)
    }

    @Test("converts currency at a fixed rate with one rounding")
    func conversion() {
        // 123.39 SEK × 0.087 = 10.73493 EUR.
        #expect(FixedPoint.scale(123_390_000, by: 87, over: 1000) == 10_734_930)
        #expect(FixedPoint.scale(5, by: 1, over: 2) == 3)
        #expect(FixedPoint.amount(10_734_930, storedScale: 6, scale: 2) == "10.73")
        #expect(FixedPoint.amount(1_500_000, storedScale: 6, scale: 2) == "1.50")
    }
}
