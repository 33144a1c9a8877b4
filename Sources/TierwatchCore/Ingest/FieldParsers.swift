/// Parsers for typed CSV values, straight from bytes.
///
/// Each returns nil for a value it cannot read; the caller turns that into a rejected row
/// that names the field and what was expected.
package enum FieldParsers {
    /// The bytes without leading and trailing spaces and tabs.
    @inline(__always)
    package static func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = 0, end = bytes.count
        while start < end && (bytes[start] == 0x20 || bytes[start] == 0x09) { start += 1 }
        while end > start && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }

    /// Parses an ISO-8601 instant with `Z` or an offset into Unix epoch milliseconds.
    ///
    /// Accepts `YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM|±HHMM|±HH)`, with `T`, `t` or a space
    /// between date and time. Fractions beyond milliseconds are truncated. A time without a
    /// zone is rejected: it names no instant.
    package static func instant(_ raw: UnsafeRawBufferPointer) -> Int64? {
        instant(raw, days: nil)
    }

    /// The days of dates read before, by their ten bytes, in a direct-mapped table: an
    /// export's rows share few dates (a day's events one, a consent history's records and
    /// expiries a thousand or two over its years), so most timestamps skip parsing and
    /// checking the date. 32 KiB, one per reader: it is not shared between threads.
    package final class DateCache {
        private struct Entry {
            var head: UInt64 = 0
            var tail: UInt16 = 0
            var filled = false
            var days: Int32 = 0
        }

        private static let size = 2048
        private let entries: UnsafeMutablePointer<Entry>

        package init() {
            entries = .allocate(capacity: Self.size)
            entries.initialize(repeating: Entry(), count: Self.size)
        }

        deinit { entries.deallocate() }

        @inline(__always)
        private static func slot(_ head: UInt64, _ tail: UInt16) -> Int {
            Int(truncatingIfNeeded: ((head ^ UInt64(tail) << 48) &* 0x9E37_79B9_7F4A_7C15) >> 53)
        }

        @inline(__always)
        fileprivate func days(head: UInt64, tail: UInt16) -> Int? {
            let entry = entries[Self.slot(head, tail)]
            return entry.head == head && entry.tail == tail && entry.filled ? Int(entry.days) : nil
        }

        @inline(__always)
        fileprivate func remember(head: UInt64, tail: UInt16, days: Int) {
            entries[Self.slot(head, tail)] = Entry(head: head, tail: tail, filled: true, days: Int32(days))
        }
    }

    /// ``instant(_:)``, reusing the days of dates read before through `cache`.
    @inline(__always)
    package static func instant(_ raw: UnsafeRawBufferPointer, cache: DateCache) -> Int64? {
        instant(raw, days: cache)
    }

    @inline(__always)
    private static func instant(_ raw: UnsafeRawBufferPointer, days cache: DateCache?) -> Int64? {
        let s = trimmed(raw)
        let n = s.count
        guard n >= 20 else { return nil }
        @inline(__always) func digit(_ i: Int) -> Int? {
            let b = s[i]
            return b >= 0x30 && b <= 0x39 ? Int(b - 0x30) : nil
        }
        @inline(__always) func number(_ i: Int, _ count: Int) -> Int? {
            var value = 0
            for k in i..<(i + count) {
                guard let d = digit(k) else { return nil }
                value = value * 10 + d
            }
            return value
        }
        let head = s.loadUnaligned(as: UInt64.self), tail = s.loadUnaligned(fromByteOffset: 8, as: UInt16.self)
        let days: Int
        if let cached = cache?.days(head: head, tail: tail) {
            days = cached
        } else {
            guard let year = number(0, 4), s[4] == 0x2D, let month = number(5, 2), s[7] == 0x2D, let day = number(8, 2),
                month >= 1, month <= 12, day >= 1, day <= CivilDate.daysInMonth(year: year, month: month)
            else { return nil }
            days = CivilDate(year: year, month: month, day: day).dayNumber
            cache?.remember(head: head, tail: tail, days: days)
        }
        // `HH:MM:SS` as one word (n >= 20, so its 8 bytes are there): checked and read
        // without a branch per byte.
        let clock = s.loadUnaligned(fromByteOffset: 11, as: UInt64.self)
        let digits = clock & 0x0F0F_000F_0F00_0F0F
        guard s[10] == 0x54 || s[10] == 0x74 || s[10] == 0x20,
            clock & 0xF0F0_FFF0_F0FF_F0F0 == 0x3030_3A30_303A_3030,  // digits' high nibbles, and the colons
            (digits &+ 0x0606_0006_0600_0606) & 0xF0F0_00F0_F000_F0F0 == 0  // digits' low nibbles at most 9
        else { return nil }
        let hour = Int(digits & 0xF) * 10 + Int(digits >> 8 & 0xF)
        let minute = Int(digits >> 24 & 0xF) * 10 + Int(digits >> 32 & 0xF)
        let second = Int(digits >> 48 & 0xF) * 10 + Int(digits >> 56 & 0xF)
        guard hour <= 23, minute <= 59, second <= 59 else { return nil }
        var i = 19
        var millis = 0
        if i < n && (s[i] == 0x2E || s[i] == 0x2C) {
            i += 1
            var digits = 0
            while i < n, let d = digit(i) {
                if digits < 3 { millis = millis * 10 + d }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            if digits < 3 { for _ in digits..<3 { millis *= 10 } }
        }
        guard i < n else { return nil }
        var offsetSeconds = 0
        switch s[i] {
        case 0x5A, 0x7A:  // Z z
            i += 1
        case 0x2B, 0x2D:  // + -
            let sign = s[i] == 0x2B ? 1 : -1
            i += 1
            guard i + 2 <= n, let oh = number(i, 2) else { return nil }
            i += 2
            var om = 0
            if i < n {
                if s[i] == 0x3A { i += 1 }
                guard i + 2 <= n, let m = number(i, 2) else { return nil }
                om = m
                i += 2
            }
            guard oh <= 23, om <= 59 else { return nil }
            offsetSeconds = sign * (oh * 3600 + om * 60)
        default:
            return nil
        }
        guard i == n else { return nil }
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        return seconds * 1000 + Int64(millis)
    }

    /// Parses a non-negative or negative decimal into units of 10^-6 (micro-units).
    ///
    /// Accepts `12`, `12.5`, `-3.25`, `.5`; rejects exponents, thousands separators and
    /// more than 6 fractional digits (money must not be rounded silently).
    package static func micros(_ raw: UnsafeRawBufferPointer) -> Int64? {
        let s = trimmed(raw)
        guard s.count > 0, s.count <= 24 else { return nil }
        var i = 0
        var negative = false
        if s[0] == 0x2D || s[0] == 0x2B {
            negative = s[0] == 0x2D
            i = 1
        }
        var whole: Int64 = 0
        var digits = 0
        // The digit limits are checked as digits arrive: 24 characters of digits would
        // overflow Int64 before the check after the loops (found by the `fields` fuzz target).
        while i < s.count, s[i] >= 0x30, s[i] <= 0x39 {
            guard digits < 12 else { return nil }
            whole = whole * 10 + Int64(s[i] - 0x30)
            digits += 1
            i += 1
        }
        var fraction: Int64 = 0
        var fractionDigits = 0
        if i < s.count && s[i] == 0x2E {
            i += 1
            while i < s.count, s[i] >= 0x30, s[i] <= 0x39 {
                guard fractionDigits < 6 else { return nil }
                fraction = fraction * 10 + Int64(s[i] - 0x30)
                fractionDigits += 1
                i += 1
            }
            guard fractionDigits > 0 else { return nil }
        }
        guard i == s.count, digits + fractionDigits > 0, fractionDigits <= 6, digits <= 12 else { return nil }
        for _ in fractionDigits..<6 { fraction *= 10 }
        let value = whole * 1_000_000 + fraction
        return negative ? -value : value
    }

    /// Parses a small non-negative integer within `range`.
    package static func integer(_ raw: UnsafeRawBufferPointer, in range: ClosedRange<Int>) -> Int? {
        let s = trimmed(raw)
        guard s.count > 0, s.count <= 4 else { return nil }
        var value = 0
        for b in s {
            guard b >= 0x30 && b <= 0x39 else { return nil }
            value = value * 10 + Int(b - 0x30)
        }
        return range.contains(value) ? value : nil
    }
}

/// Formatting of instants for reports.
package enum CivilCalendar {
    /// Formats epoch milliseconds as UTC ISO-8601 (`2026-11-16T08:30:00Z`, or with `.250`
    /// when the instant has milliseconds).
    ///
    /// Written as bytes into the string's storage: every violation row formats two or three
    /// instants, and building them from padded pieces measured 4% of a 10M-event run.
    package static func utcString(_ millis: Int64) -> String {
        String(unsafeUninitializedCapacity: maximumUTCLength) { writeUTC(millis, to: $0.baseAddress!) }
    }

    /// The longest `utcString`: a sign and nine digits of year (the range of Int64
    /// milliseconds), then `-MM-DDTHH:MM:SS.mmmZ`.
    static let maximumUTCLength = 40

    /// Writes `utcString(millis)`'s bytes to `out`, which has room for `maximumUTCLength`;
    /// returns how many.
    static func writeUTC(_ millis: Int64, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var day = UTCDay()
        return writeUTC(millis, to: out, day: &day)
    }

    /// The date of the last instant written, as the bytes that start its text (a run's
    /// violations fall on a few days: finding a day's date measured 1% of a heavy week, and
    /// writing its digits again for every row 2%).
    struct UTCDay {
        fileprivate var number = Int.min
        /// `YYYY-MM-DDT` (a year outside 0000–9999 with its sign and all its digits).
        fileprivate var prefix = SIMD32<UInt8>()
        fileprivate var prefixLength = 0

        init() {}

        fileprivate init(number: Int) {
            self.number = number
            let date = CivilDate(dayNumber: number)
            // Years outside 0000–9999 (never parsed, only computed) keep their sign and digits.
            var text = zeroPadded(date.year, width: 4)
            text += "-" + zeroPadded(date.month, width: 2) + "-" + zeroPadded(date.day, width: 2) + "T"
            for (index, byte) in text.utf8.enumerated() { prefix[index] = byte }
            prefixLength = text.utf8.count
        }
    }

    /// ``writeUTC(_:to:)`` that reuses `day`'s date when `millis` falls on it.
    @inline(__always)
    static func writeUTC(_ millis: Int64, to out: UnsafeMutablePointer<UInt8>, day: inout UTCDay) -> Int {
        let seconds = floorDiv(millis, 1000)
        let ms = Int(millis - seconds * 1000)
        let days = Int(floorDiv(seconds, 86_400))
        let secondOfDay = Int(seconds - Int64(days) * 86_400)
        if day.number != days { day = UTCDay(number: days) }
        // All 32 bytes at once (`out` has room for 40); the time overwrites what is past the date.
        UnsafeMutableRawPointer(out).storeBytes(of: day.prefix, as: SIMD32<UInt8>.self)
        let time = out + day.prefixLength
        @inline(__always) func two(_ value: Int, at offset: Int) {
            let tens = value / 10
            time[offset] = UInt8(truncatingIfNeeded: 0x30 + tens)
            time[offset + 1] = UInt8(truncatingIfNeeded: 0x30 + value - 10 * tens)
        }
        two(secondOfDay / 3600, at: 0)
        time[2] = UInt8(ascii: ":")
        two(secondOfDay / 60 % 60, at: 3)
        time[5] = UInt8(ascii: ":")
        two(secondOfDay % 60, at: 6)
        guard ms != 0 else {
            time[8] = UInt8(ascii: "Z")
            return day.prefixLength + 9
        }
        time[8] = UInt8(ascii: ".")
        time[9] = UInt8(truncatingIfNeeded: 0x30 + ms / 100)
        two(ms % 100, at: 10)
        time[12] = UInt8(ascii: "Z")
        return day.prefixLength + 13
    }
}
