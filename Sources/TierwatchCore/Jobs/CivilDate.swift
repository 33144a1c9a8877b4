/// A proleptic Gregorian calendar date with no time zone: what a wall calendar shows.
///
/// Day arithmetic goes through `dayNumber` (days since 1970-01-01), using Howard Hinnant's
/// `days_from_civil` / `civil_from_days` algorithms
/// (https://howardhinnant.github.io/date_algorithms.html), so it needs neither `Calendar`
/// nor a time zone and is exact for every year in the labels we accept (0001-9999).
struct CivilDate: Hashable, Comparable, Sendable {
    var year: Int
    var month: Int
    var day: Int

    init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `dayNumber` days after 1970-01-01 (negative before it).
    init(dayNumber: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153  // March = 0
        day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// Days since 1970-01-01; the inverse of `init(dayNumber:)`.
    var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// 1 = Monday ... 7 = Sunday (ISO 8601).
    var isoWeekday: Int { CivilDate.isoWeekday(ofDayNumber: dayNumber) }

    /// "YYYY-MM-DD".
    var label: String {
        "\(zeroPadded(year, width: 4))-\(zeroPadded(month, width: 2))-\(zeroPadded(day, width: 2))"
    }

    func adding(days: Int) -> CivilDate { CivilDate(dayNumber: dayNumber + days) }

    static func < (lhs: CivilDate, rhs: CivilDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// 1 = Monday ... 7 = Sunday; day 0 (1970-01-01) was a Thursday.
    static func isoWeekday(ofDayNumber dayNumber: Int) -> Int {
        floorMod(dayNumber + 3, 7) + 1
    }

    static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

// MARK: - ISO 8601 weeks

/// An ISO 8601 week: weeks start on Monday, and week 1 is the one holding the year's first
/// Thursday, so the week-year can differ from the calendar year near New Year.
struct ISOWeek: Hashable, Sendable {
    var weekYear: Int
    var week: Int

    /// The week holding `date`.
    init(containing date: CivilDate) {
        // A week belongs to the year its Thursday falls in.
        let thursday = date.dayNumber - (date.isoWeekday - 1) + 3
        weekYear = CivilDate(dayNumber: thursday).year
        week = (thursday - CivilDate(year: weekYear, month: 1, day: 1).dayNumber) / 7 + 1
    }

    init(weekYear: Int, week: Int) {
        self.weekYear = weekYear
        self.week = week
    }

    /// The Monday that starts this week.
    var monday: CivilDate {
        // 4 January is always in week 1.
        let january4 = CivilDate(year: weekYear, month: 1, day: 4)
        return january4.adding(days: -(january4.isoWeekday - 1) + 7 * (week - 1))
    }

    /// "YYYY-Www".
    var label: String { "\(zeroPadded(weekYear, width: 4))-W\(zeroPadded(week, width: 2))" }

    /// 52 or 53: 28 December is always in the last week of its week-year.
    static func weeksIn(weekYear: Int) -> Int {
        ISOWeek(containing: CivilDate(year: weekYear, month: 12, day: 28)).week
    }
}

// MARK: - Small integer helpers

/// Division rounding toward negative infinity, so instants before 1970 land in the right day.
func floorDiv<T: BinaryInteger>(_ a: T, _ b: T) -> T {
    let quotient = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
}

/// The remainder matching `floorDiv`: always in `0..<b` for positive `b`.
func floorMod<T: BinaryInteger>(_ a: T, _ b: T) -> T {
    a - floorDiv(a, b) * b
}

/// Decimal digits, left-padded with zeros to `width` (no `String(format:)` needed).
func zeroPadded(_ value: Int, width: Int) -> String {
    let digits = String(value.magnitude)
    let padding = String(repeating: "0", count: max(0, width - digits.count))
    return (value < 0 ? "-" : "") + padding + digits
}
