import Foundation
import Testing

@testable import TierwatchCore

// MARK: - Helpers shared with CronScheduleTests

/// Epoch milliseconds for an ISO 8601 UTC timestamp, parsed by Foundation as an independent oracle.
func isoInstant(_ text: String) -> Int64 {
    guard let date = try? Date(text, strategy: .iso8601) else {
        Issue.record("unparseable test timestamp \(text)")
        return 0
    }
    return Int64((date.timeIntervalSince1970 * 1000).rounded())
}

func periodCalendar(_ identifier: String) throws -> PeriodCalendar {
    try PeriodCalendar(timeZoneIdentifier: identifier)
}

private let hour: Int64 = 3_600_000

// MARK: - Civil dates and ISO weeks

@Suite("Civil date arithmetic")
struct CivilDateTests {
    @Test("day numbers and civil dates agree with Foundation's Gregorian calendar from 1900 to 2200")
    func civilDatesMatchFoundation() throws {
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = try #require(TimeZone(identifier: "UTC"))
        for dayNumber in stride(from: -25_567, through: 84_000, by: 7) {
            let date = Date(timeIntervalSince1970: TimeInterval(dayNumber) * 86_400)
            let parts = gregorian.dateComponents([.year, .month, .day], from: date)
            let civil = CivilDate(dayNumber: dayNumber)
            #expect([civil.year, civil.month, civil.day] == [parts.year, parts.month, parts.day])
            #expect(civil.dayNumber == dayNumber)
        }
    }

    @Test("ISO weeks agree with Foundation's ISO 8601 calendar from 1990 to 2060")
    func isoWeeksMatchFoundation() throws {
        var iso = Calendar(identifier: .iso8601)
        iso.timeZone = try #require(TimeZone(identifier: "UTC"))
        for dayNumber in 7_305...32_872 {
            let date = Date(timeIntervalSince1970: TimeInterval(dayNumber) * 86_400)
            let parts = iso.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
            let week = ISOWeek(containing: CivilDate(dayNumber: dayNumber))
            #expect([week.weekYear, week.week] == [parts.yearForWeekOfYear, parts.weekOfYear])
        }
    }

    @Test(
        "a week-year has 53 ISO weeks exactly when it starts on Thursday, or on Wednesday in a leap year",
        arguments: [
            (2015, 53), (2020, 53), (2021, 52), (2024, 52), (2025, 52), (2026, 53), (2027, 52), (2032, 53),
        ])
    func weeksInYear(year: Int, weeks: Int) {
        #expect(ISOWeek.weeksIn(weekYear: year) == weeks)
    }

    @Test("zero padding handles widths, wider values and negatives")
    func padding() {
        #expect(zeroPadded(7, width: 2) == "07")
        #expect(zeroPadded(2026, width: 4) == "2026")
        #expect(zeroPadded(12345, width: 4) == "12345")
        #expect(zeroPadded(-5, width: 2) == "-05")
        #expect(floorDiv(-1 as Int64, 1000) == -1)
        #expect(floorMod(-1, 7) == 6)
    }
}

// MARK: - Periods

@Suite("Report periods")
struct ReportPeriodTests {
    @Test("the last complete periods as of Monday morning in Stockholm are W47, the Sunday and October")
    func lastCompleteInStockholm() throws {
        let calendar = try periodCalendar("Europe/Stockholm")
        let now = isoInstant("2026-11-23T05:00:00Z")

        let week = calendar.lastComplete(.weekly, asOf: now)
        #expect(
            week
                == ReportPeriod(
                    label: "2026-W47", kind: .weekly,
                    start: isoInstant("2026-11-15T23:00:00Z"), end: isoInstant("2026-11-22T23:00:00Z"),
                    timeZoneIdentifier: "Europe/Stockholm"))

        let day = calendar.lastComplete(.daily, asOf: now)
        #expect(day.label == "2026-11-22")
        #expect(day.start == isoInstant("2026-11-21T23:00:00Z"))
        #expect(day.end == isoInstant("2026-11-22T23:00:00Z"))

        let month = calendar.lastComplete(.monthly, asOf: now)
        #expect(month.label == "2026-10")
        #expect(month.start == isoInstant("2026-09-30T22:00:00Z"))  // October starts in summer time
        #expect(month.end == isoInstant("2026-10-31T23:00:00Z"))
    }

    @Test(
        "at the very instant a period starts, the last complete one is the period that just ended",
        arguments: PeriodKind.allCases)
    func lastCompleteAtBoundary(kind: PeriodKind) throws {
        let calendar = try periodCalendar("Europe/Stockholm")
        let current = calendar.period(containing: isoInstant("2026-11-23T05:00:00Z"), kind: kind)
        let justEnded = calendar.previous(current)
        #expect(calendar.lastComplete(kind, asOf: current.start) == justEnded)
        #expect(justEnded.end == current.start)
        // One millisecond earlier, the period that just ended was still running.
        #expect(calendar.lastComplete(kind, asOf: current.start - 1) == calendar.previous(justEnded))
    }

    @Test(
        "the period containing an instant holds it, and its neighbours meet it exactly", arguments: PeriodKind.allCases)
    func containingAndPrevious(kind: PeriodKind) throws {
        let calendar = try periodCalendar("America/New_York")
        var instant = isoInstant("2024-12-20T12:34:56Z")
        for _ in 0..<60 {
            let period = calendar.period(containing: instant, kind: kind)
            #expect(period.contains(instant))
            #expect(period.kind == kind)
            #expect(calendar.previous(period).end == period.start)
            #expect(calendar.period(containing: period.end, kind: kind).start == period.end)
            instant += 5 * 24 * hour + 7 * hour
        }
    }

    @Test("in Stockholm the spring-forward day is 23 hours and the fall-back day 25")
    func stockholmDayLengths() throws {
        let calendar = try periodCalendar("Europe/Stockholm")
        let spring = try calendar.period(label: "2026-03-29")
        #expect(spring.start == isoInstant("2026-03-28T23:00:00Z"))
        #expect(spring.end == isoInstant("2026-03-29T22:00:00Z"))
        #expect(spring.end - spring.start == 23 * hour)
        let autumn = try calendar.period(label: "2026-10-25")
        #expect(autumn.start == isoInstant("2026-10-24T22:00:00Z"))
        #expect(autumn.end - autumn.start == 25 * hour)
        #expect(try calendar.period(label: "2026-10-26").end - calendar.period(label: "2026-10-26").start == 24 * hour)
    }

    @Test(
        "a week holding a DST change is 167 or 169 hours",
        arguments: [
            ("2026-W13", 167 as Int64), ("2026-W43", 169), ("2026-W47", 168),
        ])
    func weekLengthsAcrossDST(label: String, hours: Int64) throws {
        let week = try periodCalendar("Europe/Stockholm").period(label: label)
        #expect(week.end - week.start == hours * hour)
    }

    @Test(
        "a day whose midnight is skipped starts at its first real instant, 01:00",
        arguments: [
            ("America/Santiago", "2026-09-06", "2026-09-06T04:00:00Z", "2026-09-06 01:00 UTC-3"),
            ("Asia/Beirut", "2026-03-29", "2026-03-28T22:00:00Z", "2026-03-29 01:00 UTC+3"),
            ("America/Sao_Paulo", "2018-11-04", "2018-11-04T03:00:00Z", "2018-11-04 01:00 UTC-2"),
        ])
    func skippedMidnight(zone: String, label: String, start: String, formatted: String) throws {
        let calendar = try periodCalendar(zone)
        let day = try calendar.period(label: label)
        #expect(day.start == isoInstant(start))
        #expect(day.end - day.start == 23 * hour)
        #expect(calendar.formatLocal(day.start) == formatted)
        // The day before runs right up to the gap.
        #expect(calendar.previous(day).end == day.start)
        #expect(calendar.previous(day).end - calendar.previous(day).start == 24 * hour)
        #expect(calendar.period(containing: day.start - 1, kind: .daily).label != label)
    }

    @Test("a day whose midnight happens twice (Havana, November) starts at the first one")
    func repeatedMidnight() throws {
        let calendar = try periodCalendar("America/Havana")
        let day = try calendar.period(label: "2026-11-01")
        #expect(day.start == isoInstant("2026-11-01T04:00:00Z"))
        #expect(day.end == isoInstant("2026-11-02T05:00:00Z"))
        #expect(calendar.period(containing: isoInstant("2026-11-01T04:30:00Z"), kind: .daily) == day)
        #expect(calendar.period(containing: isoInstant("2026-11-01T05:30:00Z"), kind: .daily) == day)
    }

    @Test("UTC periods are plain multiples of a day")
    func utcPeriods() throws {
        let calendar = try periodCalendar("UTC")
        #expect(calendar.timeZoneIdentifier == "UTC")
        let day = calendar.period(containing: isoInstant("2026-11-16T23:59:59.999Z"), kind: .daily)
        #expect(
            day
                == ReportPeriod(
                    label: "2026-11-16", kind: .daily,
                    start: isoInstant("2026-11-16T00:00:00Z"), end: isoInstant("2026-11-17T00:00:00Z"),
                    timeZoneIdentifier: "UTC"))
        let month = try calendar.period(label: "2024-02")
        #expect(month.end - month.start == 29 * 24 * hour)
    }

    @Test(
        "ISO week-years differ from calendar years around New Year",
        arguments: [
            ("2027-01-01T12:00:00Z", "2026-W53", "2026-12-28T00:00:00Z"),
            ("2024-12-30T12:00:00Z", "2025-W01", "2024-12-30T00:00:00Z"),
            ("2021-01-03T12:00:00Z", "2020-W53", "2020-12-28T00:00:00Z"),
            ("2021-01-04T00:00:00Z", "2021-W01", "2021-01-04T00:00:00Z"),
            ("2022-01-02T23:59:59Z", "2021-W52", "2021-12-27T00:00:00Z"),
        ])
    func weekYears(instant: String, label: String, monday: String) throws {
        let calendar = try periodCalendar("UTC")
        let week = calendar.period(containing: isoInstant(instant), kind: .weekly)
        #expect(week.label == label)
        #expect(week.start == isoInstant(monday))
        #expect(week.end - week.start == 7 * 24 * hour)
        #expect(try calendar.period(label: label) == week)
    }

    @Test("the week before W01 is the last week of the previous week-year, and months roll over years")
    func previousAcrossYears() throws {
        let calendar = try periodCalendar("Europe/Stockholm")
        #expect(calendar.previous(try calendar.period(label: "2026-W01")).label == "2025-W52")
        #expect(calendar.previous(try calendar.period(label: "2027-W01")).label == "2026-W53")
        #expect(calendar.previous(try calendar.period(label: "2026-01")).label == "2025-12")
        #expect(calendar.previous(try calendar.period(label: "2026-03-01")).label == "2026-02-28")
        #expect(calendar.previous(try calendar.period(label: "2024-03-01")).label == "2024-02-29")
    }

    @Test(
        "labels read back to the same period for every kind, across years and zones",
        arguments: [
            "UTC", "Europe/Stockholm", "America/Santiago", "Asia/Kolkata", "Pacific/Auckland",
        ])
    func labelsRoundTrip(zone: String) throws {
        let calendar = try periodCalendar(zone)
        var instant = isoInstant("2019-12-25T00:00:00Z")
        let stop = isoInstant("2028-01-10T00:00:00Z")
        while instant < stop {
            for kind in PeriodKind.allCases {
                let period = calendar.period(containing: instant, kind: kind)
                #expect(try calendar.period(label: period.label) == period)
            }
            instant += 3 * 24 * hour + 5 * hour
        }
    }

    @Test("a custom range covers both days, reads back from its label, and its previous range has as many days")
    func customRange() throws {
        let calendar = try periodCalendar("Europe/Stockholm")
        let range = try calendar.period(from: "2026-11-01", to: "2026-11-15")
        #expect(
            range
                == ReportPeriod(
                    label: "2026-11-01_2026-11-15", kind: nil,
                    start: isoInstant("2026-10-31T23:00:00Z"), end: isoInstant("2026-11-15T23:00:00Z"),
                    timeZoneIdentifier: "Europe/Stockholm"))
        #expect(try calendar.period(label: range.label) == range)

        let before = calendar.previous(range)
        #expect(before.label == "2026-10-17_2026-10-31")
        #expect(before.kind == nil)
        #expect(before.start == isoInstant("2026-10-16T22:00:00Z"))
        #expect(before.end == range.start)

        let single = try calendar.period(from: "2026-10-25", to: "2026-10-25")
        #expect(single.end - single.start == 25 * hour)
        #expect(calendar.previous(single).label == "2026-10-24_2026-10-24")
    }

    @Test("local dates and human-readable times follow the zone")
    func localTime() throws {
        let stockholm = try periodCalendar("Europe/Stockholm")
        #expect(stockholm.localDate(of: isoInstant("2026-11-22T23:30:00Z")) == (2026, 11, 23))
        #expect(stockholm.localDate(of: isoInstant("2026-11-22T22:59:59.999Z")) == (2026, 11, 22))
        #expect(stockholm.formatLocal(isoInstant("2026-11-15T23:00:00Z")) == "2026-11-16 00:00 UTC+1")
        // The two 02:30s of the fall-back night are told apart by their offsets.
        #expect(stockholm.formatLocal(isoInstant("2026-10-25T00:30:00Z")) == "2026-10-25 02:30 UTC+2")
        #expect(stockholm.formatLocal(isoInstant("2026-10-25T01:30:00Z")) == "2026-10-25 02:30 UTC+1")
        #expect(
            try periodCalendar("Asia/Kolkata").formatLocal(isoInstant("2026-01-01T00:00:00Z"))
                == "2026-01-01 05:30 UTC+5:30")
        #expect(try periodCalendar("UTC").formatLocal(isoInstant("1969-12-31T23:59:59.500Z")) == "1969-12-31 23:59 UTC")
    }

    @Test("an unknown time zone is rejected by name")
    func unknownZone() {
        #expect {
            try PeriodCalendar(timeZoneIdentifier: "Europe/Stockholmx")
        } throws: { error in
            (error as? PeriodError)?.message.contains("\"Europe/Stockholmx\"") == true
        }
    }

    @Test(
        "bad labels say what is wrong",
        arguments: [
            ("2026-W54", "2026 has 53 ISO weeks"),
            ("2021-W53", "2021 has 52 ISO weeks"),
            ("2026-W00", "no W00"),
            ("2026-13", "month 13"),
            ("2026-00", "month 00"),
            ("2026-02-30", "2026-02 has 28 days"),
            ("2026-11-1", "YYYY-MM-DD (day), YYYY-Www (ISO week), YYYY-MM (month)"),
            ("last week", "not one of the accepted forms"),
            ("", "not one of the accepted forms"),
            ("2026-１1-01", "not one of the accepted forms"),
            ("2026-11-01_2026-10-01", "start date is after the end date"),
        ])
    func badLabels(label: String, expected: String) throws {
        let calendar = try periodCalendar("UTC")
        let error = try #require(throws: PeriodError.self) { try calendar.period(label: label) }
        #expect(error.message.contains(expected), "\(error.message)")
        #expect(error.description == error.message)
    }

    @Test(
        "custom ranges reject malformed or reversed dates",
        arguments: [
            ("2026-11-15", "2026-11-01", "start date is after the end date"),
            ("2026-11-1", "2026-11-15", "\"2026-11-1\": expected YYYY-MM-DD"),
            ("2026-11-01", "2026-02-29", "2026-02 has 28 days"),
            ("0000-01-01", "2026-01-01", "year 0000"),
        ])
    func badRanges(from: String, to: String, expected: String) throws {
        let calendar = try periodCalendar("UTC")
        let error = try #require(throws: PeriodError.self) { try calendar.period(from: from, to: to) }
        #expect(error.message.contains(expected), "\(error.message)")
    }
}
