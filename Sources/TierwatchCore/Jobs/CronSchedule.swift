/// A five-field cron expression evaluated in a job's timezone (minute hour day-of-month month day-of-week).
///
/// The syntax is Vixie cron's: minute 0-59, hour 0-23, day-of-month 1-31, month 1-12 or
/// JAN-DEC, day-of-week 0-7 (0 and 7 are Sunday) or SUN-SAT; `*`, lists `a,b`, ranges `a-b`,
/// steps `*/n` and `a-b/n`; names are case-insensitive; and the macros @hourly, @daily,
/// @midnight, @weekly, @monthly, @yearly and @annually. A bare `a/n` is rejected rather than
/// guessed at (cronie reads it as `a-max/n`, other crons as `a`). A day-of-week range may end
/// on Sunday (`FRI-SUN`).
///
/// Days follow Vixie cron too: when day-of-month and day-of-week are both restricted, a day
/// matches if *either* matches ("0 0 13 * 5" fires on every 13th and every Friday); if either
/// field starts with `*` (including `*/2`), a day must match both.
///
/// Times are local to the calendar's zone. A local time that does not exist (the
/// spring-forward gap) is skipped that day, not moved; a local time that happens twice (the
/// fall-back hour) fires once, at its first occurrence.
///
/// An expression that can never fire, such as "0 0 31 2 *", is rejected when parsed, so a
/// job with a typo fails when its configuration is checked instead of silently never running.
package struct CronSchedule: Sendable, Equatable {
    /// The expression as written, without surrounding whitespace.
    package let expression: String
    /// Ascending, so days can be walked in either direction.
    private let minutes: [Int]
    private let hours: [Int]
    /// Bit n set when value n is allowed. Day-of-week uses bits 0 (Sunday) to 6.
    private let daysOfMonth: UInt64
    private let months: UInt64
    private let daysOfWeek: UInt64
    /// Whether the field was written starting with `*`: Vixie cron's test for "unrestricted".
    private let dayOfMonthIsStar: Bool
    private let dayOfWeekIsStar: Bool

    /// How far `latestFire` and `nextFire` look, in days: 28 years, long enough for every
    /// expression the parser accepts to fire at least once (29 February falls on each weekday
    /// within 28 years), and still only ~10,000 cheap day checks.
    static let searchHorizonDays = 28 * 366

    package init(parsing expression: String) throws(PeriodError) {
        let trimmed = expression.trimmingWhitespace()
        self.expression = trimmed
        let fields: [Substring]
        if trimmed.hasPrefix("@") {
            guard let expansion = Self.macros[trimmed.lowercased()] else {
                throw PeriodError(
                    "cron \"\(trimmed)\": unknown macro; expected one of @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually"
                )
            }
            fields = expansion.split(separator: " ")
        } else {
            fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" })
        }
        guard fields.count == 5 else {
            throw PeriodError(
                "cron \"\(trimmed)\": expected 5 fields (minute hour day-of-month month day-of-week) or a macro such as @daily, found \(fields.count)"
            )
        }

        func parse(_ index: Int, _ field: CronField) throws(PeriodError) -> UInt64 {
            do {
                return try field.parse(fields[index])
            } catch {
                throw PeriodError("cron \"\(trimmed)\": \(field.name) field \"\(fields[index])\": \(error.message)")
            }
        }
        minutes = Self.values(in: try parse(0, .minute))
        hours = Self.values(in: try parse(1, .hour))
        daysOfMonth = try parse(2, .dayOfMonth)
        months = try parse(3, .month)
        let weekdays = try parse(4, .dayOfWeek)
        daysOfWeek = (weekdays | weekdays >> 7) & 0b111_1111  // 7 is Sunday too
        dayOfMonthIsStar = fields[2].hasPrefix("*")
        dayOfWeekIsStar = fields[4].hasPrefix("*")

        // Only a restricted day-of-month that must also match (AND) can rule out every day;
        // under OR the weekday alone fires, and a `*`-field always holds the 1st.
        if dayOfWeekIsStar, !dayOfMonthIsStar {
            let possible = (1...12).contains { month in
                months & (1 << month) != 0
                    && daysOfMonth & ((1 << (CivilDate.daysInMonth(year: 2000, month: month) + 1)) - 2) != 0
            }
            guard possible else {
                throw PeriodError(
                    "cron \"\(trimmed)\": never fires: no day in day-of-month \"\(fields[2])\" exists in month \"\(fields[3])\""
                )
            }
        }
    }

    /// The most recent firing at or before `now` (epoch milliseconds), or `nil` if there is
    /// none within `searchHorizonDays`.
    ///
    /// Walks local days backwards and only resolves times on days that match, so a typical
    /// call costs a handful of time-zone lookups.
    package func latestFire(atOrBefore now: Int64, in calendar: PeriodCalendar) -> Int64? {
        let limit = floorDiv(now, 1000)
        // Start a day late: a fall-back across midnight could put a first occurrence of
        // "tomorrow" before `now`.
        let first = calendar.localDayNumber(ofEpochSecond: limit) + 1
        for day in stride(from: first, through: first - Self.searchHorizonDays, by: -1) where matches(localDay: day) {
            let offset = calendar.uniformOffset(onLocalDay: day)
            for hour in hours.reversed() {
                for minute in minutes.reversed() {
                    if let fire = firstOccurrence(day: day, hour: hour, minute: minute, offset: offset, in: calendar),
                        fire <= limit
                    {
                        return fire * 1000
                    }
                }
            }
        }
        return nil
    }

    /// The first firing strictly after `now` (epoch milliseconds), or `nil` if there is none
    /// within `searchHorizonDays`.
    package func nextFire(after now: Int64, in calendar: PeriodCalendar) -> Int64? {
        let limit = floorDiv(now, 1000)
        let first = calendar.localDayNumber(ofEpochSecond: limit) - 1
        for day in first...(first + Self.searchHorizonDays) where matches(localDay: day) {
            let offset = calendar.uniformOffset(onLocalDay: day)
            for hour in hours {
                for minute in minutes {
                    if let fire = firstOccurrence(day: day, hour: hour, minute: minute, offset: offset, in: calendar),
                        fire > limit
                    {
                        return fire * 1000
                    }
                }
            }
        }
        return nil
    }

    // MARK: Private

    private static let macros: [String: String] = [
        "@hourly": "0 * * * *",
        "@daily": "0 0 * * *",
        "@midnight": "0 0 * * *",
        "@weekly": "0 0 * * 0",
        "@monthly": "0 0 1 * *",
        "@yearly": "0 0 1 1 *",
        "@annually": "0 0 1 1 *",
    ]

    private func matches(localDay day: Int) -> Bool {
        let date = CivilDate(dayNumber: day)
        guard months & (1 << date.month) != 0 else { return false }
        let dayOfMonthMatches = daysOfMonth & (1 << date.day) != 0
        let dayOfWeekMatches = daysOfWeek & (1 << (CivilDate.isoWeekday(ofDayNumber: day) % 7)) != 0  // Sunday = 0
        if dayOfMonthIsStar || dayOfWeekIsStar {
            return dayOfMonthMatches && dayOfWeekMatches
        }
        return dayOfMonthMatches || dayOfWeekMatches
    }

    /// The epoch second local `hour:minute` first happens on local day `day`, or `nil` when a
    /// spring-forward gap swallows it. `offset` is the day's offset when it has only one.
    private func firstOccurrence(
        day: Int, hour: Int, minute: Int, offset: Int?, in calendar: PeriodCalendar
    ) -> Int64? {
        let local = Int64(day) * 86_400 + Int64(hour * 3600 + minute * 60)
        if let offset { return local - Int64(offset) }
        switch calendar.resolve(localSecond: local) {
        case .unique(let instant), .repeated(first: let instant, second: _): return instant
        case .skipped: return nil
        }
    }

    private static func values(in mask: UInt64) -> [Int] {
        (0..<64).filter { mask & (1 << $0) != 0 }
    }
}

/// One of the five fields: its name for messages, its range and its value names.
private struct CronField {
    var name: String
    var range: ClosedRange<Int>
    /// Names for `range.lowerBound`, `range.lowerBound + 1`, ...
    var names: [String] = []
    /// Day-of-week only: `FRI-SUN` means 5-7, since SUN reads as 0.
    var rangeMayEndOnSunday = false

    static let minute = CronField(name: "minute", range: 0...59)
    static let hour = CronField(name: "hour", range: 0...23)
    static let dayOfMonth = CronField(name: "day-of-month", range: 1...31)
    static let month = CronField(
        name: "month", range: 1...12,
        names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])
    static let dayOfWeek = CronField(
        name: "day-of-week", range: 0...7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
        rangeMayEndOnSunday: true)

    /// The allowed values as a bit mask; errors describe only the problem, the caller adds
    /// the expression and field.
    func parse(_ text: Substring) throws(PeriodError) -> UInt64 {
        var mask: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw PeriodError("\"\(item)\" has more than one step") }
            var bounds: ClosedRange<Int>
            if parts[0] == "*" {
                bounds = range
            } else if let dash = parts[0].firstIndex(of: "-") {
                let low = try value(parts[0][..<dash])
                var high = try value(parts[0][parts[0].index(after: dash)...])
                if rangeMayEndOnSunday, high == 0, low > 0 { high = 7 }  // FRI-SUN
                guard low <= high else { throw PeriodError("range \"\(parts[0])\" runs backwards") }
                bounds = low...high
            } else {
                let single = try value(parts[0])
                guard parts.count == 1 else {
                    throw PeriodError(
                        "a step needs a range: write \"\(single)-\(range.upperBound)/\(parts[1])\" or \"*/\(parts[1])\""
                    )
                }
                bounds = single...single
            }
            var step = 1
            if parts.count == 2 {
                guard let parsed = Int(parts[1]), parts[1].allSatisfy(\.isASCII), parsed >= 1 else {
                    throw PeriodError("step \"\(parts[1])\" must be a whole number of at least 1")
                }
                step = parsed
            }
            for value in stride(from: bounds.lowerBound, through: bounds.upperBound, by: step) {
                mask |= 1 << value
            }
        }
        return mask
    }

    private func value(_ token: Substring) throws(PeriodError) -> Int {
        if let number = Int(token), token.allSatisfy(\.isASCII), token.first != "+" {
            guard range.contains(number) else {
                throw PeriodError("\(number) is outside \(range.lowerBound)-\(range.upperBound)")
            }
            return number
        }
        if let index = names.firstIndex(of: token.uppercased()) {
            return range.lowerBound + index
        }
        let numbers = "a number \(range.lowerBound)-\(range.upperBound)"
        let expected = names.isEmpty ? numbers : "\(numbers) or a name \(names[0])-\(names[names.count - 1])"
        throw PeriodError("\"\(token)\" is not \(expected)")
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and newlines (no Foundation needed).
    fileprivate func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
