import Foundation

/// The fixed period lengths a report job can run over.
package enum PeriodKind: String, Sendable, Codable, CaseIterable {
    case daily, weekly, monthly
}

/// A period label, date, time zone or cron expression that cannot be used, with a message
/// that names the offending input and what was expected.
package struct PeriodError: Error, CustomStringConvertible, Sendable {
    package var message: String
    package var description: String { message }

    package init(_ message: String) {
        self.message = message
    }
}

/// A half-open reporting period [start, end) in a job's timezone.
///
/// `start` and `end` are the local midnights that bound the period, as Unix epoch
/// milliseconds, so a day is 23 or 25 hours long across a DST change.
package struct ReportPeriod: Sendable, Hashable {
    /// "2026-W46" | "2026-11-16" | "2026-11" | "2026-11-01_2026-11-15" (custom, both days inclusive).
    package var label: String
    /// `nil` for a custom from/to range.
    package var kind: PeriodKind?
    /// Inclusive, epoch milliseconds.
    package var start: Int64
    /// Exclusive, epoch milliseconds.
    package var end: Int64
    package var timeZoneIdentifier: String

    package init(label: String, kind: PeriodKind?, start: Int64, end: Int64, timeZoneIdentifier: String) {
        self.label = label
        self.kind = kind
        self.start = start
        self.end = end
        self.timeZoneIdentifier = timeZoneIdentifier
    }

    /// Whether `instant` (epoch milliseconds) falls inside [start, end).
    package func contains(_ instant: Int64) -> Bool {
        start <= instant && instant < end
    }
}

/// Resolves periods in one IANA timezone.
///
/// Every boundary is a local midnight converted to a UTC instant. Where a DST change skips
/// midnight (America/Santiago in September, Asia/Beirut in March), the day starts at its
/// first instant that exists, e.g. 01:00; where midnight happens twice (America/Havana in
/// November), the day starts at the first one.
package struct PeriodCalendar: Sendable {
    package let timeZoneIdentifier: String
    private let timeZone: TimeZone

    /// A calendar for an IANA zone name such as "Europe/Stockholm", or "UTC".
    package init(timeZoneIdentifier: String) throws(PeriodError) {
        guard let timeZone = TimeZone(identifier: timeZoneIdentifier) else {
            throw PeriodError(
                "unknown time zone \"\(timeZoneIdentifier)\": expected an IANA name such as \"Europe/Stockholm\" or \"UTC\""
            )
        }
        self.timeZoneIdentifier = timeZoneIdentifier
        self.timeZone = timeZone
    }

    // MARK: Periods

    /// The daily, weekly (ISO 8601, Monday start) or monthly period holding `instant`.
    package func period(containing instant: Int64, kind: PeriodKind) -> ReportPeriod {
        let date = localCivilDate(of: instant)
        switch kind {
        case .daily:
            return daily(date)
        case .weekly:
            return weekly(ISOWeek(containing: date))
        case .monthly:
            return monthly(year: date.year, month: date.month)
        }
    }

    /// The period before the one holding `now`: the last one that has fully ended.
    ///
    /// When `now` is exactly a period's start, that period has just begun, so the answer is
    /// the one that ended at `now`.
    package func lastComplete(_ kind: PeriodKind, asOf now: Int64) -> ReportPeriod {
        previous(period(containing: now, kind: kind))
    }

    /// The period of the same kind just before `period`; for a custom range, the range of
    /// the same number of days just before it.
    ///
    /// The period is read in this calendar's zone.
    package func previous(_ period: ReportPeriod) -> ReportPeriod {
        if let kind = period.kind {
            return self.period(containing: period.start - 1, kind: kind)
        }
        let first = localCivilDate(of: period.start)
        let days = localCivilDate(of: period.end).dayNumber - first.dayNumber
        return custom(from: first.adding(days: -days), to: first.adding(days: -1))
    }

    /// The period a label names: "YYYY-MM-DD" (day), "YYYY-Www" (ISO week; W53 only in
    /// week-years that have one), "YYYY-MM" (month), or "YYYY-MM-DD_YYYY-MM-DD" (a custom
    /// range, as `period(from:to:)` labels it), so every label this type produces reads back.
    package func period(label: String) throws(PeriodError) -> ReportPeriod {
        let bytes = Array(label.utf8)
        let dash = UInt8(ascii: "-")
        func isDigits(_ range: Range<Int>) -> Bool {
            bytes[range].allSatisfy { UInt8(ascii: "0") <= $0 && $0 <= UInt8(ascii: "9") }
        }
        func number(_ range: Range<Int>) -> Int {
            bytes[range].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        }
        let hasYear = bytes.count >= 7 && isDigits(0..<4) && bytes[4] == dash

        if bytes.count == 21, bytes[10] == UInt8(ascii: "_"), let separator = label.firstIndex(of: "_") {
            return try period(from: String(label[..<separator]), to: String(label[label.index(after: separator)...]))
        }
        if hasYear, bytes.count == 10, isDigits(5..<7), bytes[7] == dash, isDigits(8..<10) {
            return daily(try validDate(year: number(0..<4), month: number(5..<7), day: number(8..<10), in: label))
        }
        if hasYear, bytes.count == 8, bytes[5] == UInt8(ascii: "W"), isDigits(6..<8) {
            let year = try validYear(number(0..<4), in: label)
            let week = number(6..<8)
            let weeks = ISOWeek.weeksIn(weekYear: year)
            guard (1...weeks).contains(week) else {
                throw PeriodError(
                    "period label \"\(label)\": week-year \(year) has \(weeks) ISO weeks (W01-W\(weeks)), so there is no W\(zeroPadded(week, width: 2))"
                )
            }
            return weekly(ISOWeek(weekYear: year, week: week))
        }
        if hasYear, bytes.count == 7, isDigits(5..<7) {
            let year = try validYear(number(0..<4), in: label)
            let month = try validMonth(number(5..<7), in: label)
            return monthly(year: year, month: month)
        }
        throw PeriodError(
            "period label \"\(label)\" is not one of the accepted forms: YYYY-MM-DD (day), YYYY-Www (ISO week), YYYY-MM (month), YYYY-MM-DD_YYYY-MM-DD (range)"
        )
    }

    /// A custom period from the start of day `from` to the end of day `to`, both
    /// "YYYY-MM-DD" and inclusive.
    package func period(from: String, to: String) throws(PeriodError) -> ReportPeriod {
        let first = try parseDate(from)
        let last = try parseDate(to)
        guard first <= last else {
            throw PeriodError("period from \(from) to \(to): the start date is after the end date")
        }
        return custom(from: first, to: last)
    }

    // MARK: Local time

    /// The civil date `instant` falls on in this zone.
    package func localDate(of instant: Int64) -> (year: Int, month: Int, day: Int) {
        let date = localCivilDate(of: instant)
        return (date.year, date.month, date.day)
    }

    /// "2026-11-16 00:00 UTC+1" for human messages.
    ///
    /// The zone is shown as its UTC offset rather than an abbreviation: Foundation on Linux
    /// only knows "GMT+1" for Europe/Stockholm anyway, the offset is the same on every
    /// platform, and it tells the two 02:30s of a fall-back night apart.
    package func formatLocal(_ instant: Int64) -> String {
        let seconds = floorDiv(instant, 1000)
        let offset = offsetSeconds(at: seconds)
        let local = seconds + Int64(offset)
        let date = CivilDate(dayNumber: Int(floorDiv(local, 86_400)))
        let secondOfDay = Int(floorMod(local, 86_400))
        let time = "\(zeroPadded(secondOfDay / 3600, width: 2)):\(zeroPadded(secondOfDay / 60 % 60, width: 2))"
        return "\(date.label) \(time) \(Self.offsetLabel(offset))"
    }

    // MARK: Internals shared with CronSchedule

    /// Where a local wall-clock time lands on the UTC time line.
    enum LocalTimeResolution: Equatable {
        /// The local time happens once, at this epoch second.
        case unique(Int64)
        /// The local time happens twice (a fall-back): the first and second epoch seconds.
        case repeated(first: Int64, second: Int64)
        /// The local time falls in a spring-forward gap; `resumesAt` is the first epoch
        /// second after the gap.
        case skipped(resumesAt: Int64)
    }

    /// The UTC offset in seconds at an epoch second.
    func offsetSeconds(at epochSecond: Int64) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(epochSecond)))
    }

    /// The offset in force all through the local day `dayNumber`, or `nil` when the offset
    /// changes within a day of it, so callers can skip per-time resolution on ordinary days.
    ///
    /// Assumes no zone changes offset twice within three days and ends up where it began.
    func uniformOffset(onLocalDay dayNumber: Int) -> Int? {
        let midnight = Int64(dayNumber) * 86_400
        // Offsets never exceed a day, so these probes bracket every instant of the local day.
        let before = offsetSeconds(at: midnight - 86_400)
        let after = offsetSeconds(at: midnight + 2 * 86_400)
        return before == after ? before : nil
    }

    /// Resolves a local wall-clock time, given as seconds since 1970-01-01T00:00 local.
    func resolve(localSecond local: Int64) -> LocalTimeResolution {
        // Any instant showing this local time lies within a day of `local` read as UTC, and
        // zones change offset at most once in that window, so the offsets at its two ends
        // are the only candidates.
        let earlyOffset = offsetSeconds(at: local - 86_400)
        let lateOffset = offsetSeconds(at: local + 86_400)
        let underEarly = local - Int64(earlyOffset)
        let underLate = local - Int64(lateOffset)
        let earlyHolds = offsetSeconds(at: underEarly) == earlyOffset
        let lateHolds = earlyOffset != lateOffset && offsetSeconds(at: underLate) == lateOffset
        switch (earlyHolds, lateHolds) {
        case (true, false): return .unique(underEarly)
        case (false, true): return .unique(underLate)
        case (true, true): return .repeated(first: min(underEarly, underLate), second: max(underEarly, underLate))
        case (false, false):
            return .skipped(resumesAt: firstInstant(withOffset: lateOffset, after: underLate, upTo: underEarly))
        }
    }

    /// The local day (days since 1970-01-01) an epoch second falls on in this zone.
    func localDayNumber(ofEpochSecond epochSecond: Int64) -> Int {
        Int(floorDiv(epochSecond + Int64(offsetSeconds(at: epochSecond)), 86_400))
    }

    /// The first epoch second a local time happens, or the end of the gap that swallows it.
    func firstInstant(ofLocalSecond local: Int64) -> Int64 {
        switch resolve(localSecond: local) {
        case .unique(let instant), .repeated(let instant, _), .skipped(let instant): instant
        }
    }

    // MARK: Private

    private func localCivilDate(of instant: Int64) -> CivilDate {
        CivilDate(dayNumber: localDayNumber(ofEpochSecond: floorDiv(instant, 1000)))
    }

    /// The instant (epoch milliseconds) the local day begins.
    private func startOfDay(_ date: CivilDate) -> Int64 {
        firstInstant(ofLocalSecond: Int64(date.dayNumber) * 86_400) * 1000
    }

    /// Binary search for the transition ending a gap: the first second in (`low`, `high`]
    /// whose offset is `offset`. A gap is at most a few hours, so this is ~15 probes.
    private func firstInstant(withOffset offset: Int, after low: Int64, upTo high: Int64) -> Int64 {
        var low = low
        var high = high
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if offsetSeconds(at: middle) == offset { high = middle } else { low = middle }
        }
        return high
    }

    private func daily(_ date: CivilDate) -> ReportPeriod {
        ReportPeriod(
            label: date.label, kind: .daily,
            start: startOfDay(date), end: startOfDay(date.adding(days: 1)),
            timeZoneIdentifier: timeZoneIdentifier)
    }

    private func weekly(_ week: ISOWeek) -> ReportPeriod {
        let monday = week.monday
        return ReportPeriod(
            label: week.label, kind: .weekly,
            start: startOfDay(monday), end: startOfDay(monday.adding(days: 7)),
            timeZoneIdentifier: timeZoneIdentifier)
    }

    private func monthly(year: Int, month: Int) -> ReportPeriod {
        let first = CivilDate(year: year, month: month, day: 1)
        let next = first.adding(days: CivilDate.daysInMonth(year: year, month: month))
        return ReportPeriod(
            label: "\(zeroPadded(year, width: 4))-\(zeroPadded(month, width: 2))", kind: .monthly,
            start: startOfDay(first), end: startOfDay(next),
            timeZoneIdentifier: timeZoneIdentifier)
    }

    private func custom(from first: CivilDate, to last: CivilDate) -> ReportPeriod {
        ReportPeriod(
            label: "\(first.label)_\(last.label)", kind: nil,
            start: startOfDay(first), end: startOfDay(last.adding(days: 1)),
            timeZoneIdentifier: timeZoneIdentifier)
    }

    private func parseDate(_ text: String) throws(PeriodError) -> CivilDate {
        let bytes = Array(text.utf8)
        let shapeIsRight =
            bytes.count == 10 && bytes[4] == UInt8(ascii: "-") && bytes[7] == UInt8(ascii: "-")
            && [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy { UInt8(ascii: "0") <= bytes[$0] && bytes[$0] <= UInt8(ascii: "9") }
        guard shapeIsRight else {
            throw PeriodError("date \"\(text)\": expected YYYY-MM-DD, e.g. 2026-11-01")
        }
        func number(_ range: Range<Int>) -> Int {
            bytes[range].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        }
        return try validDate(year: number(0..<4), month: number(5..<7), day: number(8..<10), in: text)
    }

    private func validDate(year: Int, month: Int, day: Int, in text: String) throws(PeriodError) -> CivilDate {
        let year = try validYear(year, in: text)
        let month = try validMonth(month, in: text)
        let days = CivilDate.daysInMonth(year: year, month: month)
        guard (1...days).contains(day) else {
            throw PeriodError(
                "date \"\(text)\": day \(zeroPadded(day, width: 2)) does not exist, \(zeroPadded(year, width: 4))-\(zeroPadded(month, width: 2)) has \(days) days"
            )
        }
        return CivilDate(year: year, month: month, day: day)
    }

    private func validYear(_ year: Int, in text: String) throws(PeriodError) -> Int {
        guard year >= 1 else { throw PeriodError("\"\(text)\": year 0000 is not a year; expected 0001-9999") }
        return year
    }

    private func validMonth(_ month: Int, in text: String) throws(PeriodError) -> Int {
        guard (1...12).contains(month) else {
            throw PeriodError("\"\(text)\": month \(zeroPadded(month, width: 2)) is not a month; expected 01-12")
        }
        return month
    }

    /// "UTC", "UTC+1", "UTC-3", "UTC+5:30".
    private static func offsetLabel(_ offset: Int) -> String {
        guard offset != 0 else { return "UTC" }
        let minutes = abs(offset) / 60
        let sign = offset < 0 ? "-" : "+"
        let hours = "UTC\(sign)\(minutes / 60)"
        return minutes % 60 == 0 ? hours : "\(hours):\(zeroPadded(minutes % 60, width: 2))"
    }
}
