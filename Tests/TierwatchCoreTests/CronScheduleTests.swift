import Foundation
import Testing

@testable import TierwatchCore

private let minute: Int64 = 60_000

private func schedule(_ expression: String) throws -> CronSchedule {
    try CronSchedule(parsing: expression)
}

@Suite("Cron schedules")
struct CronScheduleTests {
    let stockholm: PeriodCalendar
    let utc: PeriodCalendar

    init() throws {
        stockholm = try PeriodCalendar(timeZoneIdentifier: "Europe/Stockholm")
        utc = try PeriodCalendar(timeZoneIdentifier: "UTC")
    }

    @Test("a Monday 06:00 job in Stockholm last fired this morning, or last week before 06:00")
    func mondayMorning() throws {
        let monday = try schedule("0 6 * * 1")
        #expect(
            monday.latestFire(atOrBefore: isoInstant("2026-11-23T05:30:00Z"), in: stockholm)
                == isoInstant("2026-11-23T05:00:00Z"))
        #expect(
            monday.latestFire(atOrBefore: isoInstant("2026-11-23T05:00:00Z"), in: stockholm)
                == isoInstant("2026-11-23T05:00:00Z"))
        #expect(
            monday.latestFire(atOrBefore: isoInstant("2026-11-23T04:59:00Z"), in: stockholm)
                == isoInstant("2026-11-16T05:00:00Z"))
        #expect(
            monday.nextFire(after: isoInstant("2026-11-23T05:00:00Z"), in: stockholm)
                == isoInstant("2026-11-30T05:00:00Z"))
        // 06:00 in summer time is 04:00 UTC.
        #expect(
            monday.nextFire(after: isoInstant("2026-06-01T00:00:00Z"), in: stockholm)
                == isoInstant("2026-06-01T04:00:00Z"))
        #expect(monday.expression == "0 6 * * 1")
    }

    @Test("every quarter hour: at-or-before includes now, after excludes it")
    func quarterHours() throws {
        let quarters = try schedule("*/15 * * * *")
        #expect(
            quarters.latestFire(atOrBefore: isoInstant("2026-11-23T10:07:00Z"), in: utc)
                == isoInstant("2026-11-23T10:00:00Z"))
        #expect(
            quarters.latestFire(atOrBefore: isoInstant("2026-11-23T10:15:00Z"), in: utc)
                == isoInstant("2026-11-23T10:15:00Z"))
        #expect(
            quarters.latestFire(atOrBefore: isoInstant("2026-11-23T00:14:59.999Z"), in: utc)
                == isoInstant("2026-11-23T00:00:00Z"))
        #expect(
            quarters.latestFire(atOrBefore: isoInstant("2026-11-22T23:59:59.999Z"), in: utc)
                == isoInstant("2026-11-22T23:45:00Z"))
        #expect(
            quarters.nextFire(after: isoInstant("2026-11-23T10:15:00Z"), in: utc) == isoInstant("2026-11-23T10:30:00Z"))
        #expect(
            quarters.nextFire(after: isoInstant("2026-11-23T10:14:59.999Z"), in: utc)
                == isoInstant("2026-11-23T10:15:00Z"))
        #expect(
            quarters.nextFire(after: isoInstant("2026-12-31T23:45:00Z"), in: utc) == isoInstant("2027-01-01T00:00:00Z"))
    }

    @Test("the first of the month at local midnight")
    func firstOfMonth() throws {
        let monthly = try schedule("0 0 1 * *")
        #expect(
            monthly.latestFire(atOrBefore: isoInstant("2026-11-23T05:00:00Z"), in: stockholm)
                == isoInstant("2026-10-31T23:00:00Z"))
        #expect(
            monthly.nextFire(after: isoInstant("2026-11-23T05:00:00Z"), in: stockholm)
                == isoInstant("2026-11-30T23:00:00Z"))
        #expect(
            monthly.latestFire(atOrBefore: isoInstant("2026-10-15T00:00:00Z"), in: stockholm)
                == isoInstant("2026-09-30T22:00:00Z"))
    }

    @Test("02:30 does not exist on the Stockholm spring-forward day, so that day does not fire")
    func springForwardGapIsSkipped() throws {
        let nightly = try schedule("30 2 * * *")
        #expect(
            nightly.nextFire(after: isoInstant("2026-03-28T12:00:00Z"), in: stockholm)
                == isoInstant("2026-03-30T00:30:00Z"))
        #expect(
            nightly.latestFire(atOrBefore: isoInstant("2026-03-29T23:00:00Z"), in: stockholm)
                == isoInstant("2026-03-28T01:30:00Z"))
        // An hourly job just goes from 01:00 CET to 03:00 CEST.
        let hourly = try schedule("0 * * * *")
        #expect(
            hourly.nextFire(after: isoInstant("2026-03-29T00:00:00Z"), in: stockholm)
                == isoInstant("2026-03-29T01:00:00Z"))
    }

    @Test("02:30 happens twice on the Stockholm fall-back day and fires once, the first time")
    func fallBackFiresOnce() throws {
        let nightly = try schedule("30 2 * * *")
        let first = isoInstant("2026-10-25T00:30:00Z")  // 02:30 CEST
        #expect(nightly.nextFire(after: isoInstant("2026-10-24T12:00:00Z"), in: stockholm) == first)
        #expect(nightly.nextFire(after: first, in: stockholm) == isoInstant("2026-10-26T01:30:00Z"))
        // After the second 02:30 (01:30 UTC) the latest firing is still the first one.
        #expect(nightly.latestFire(atOrBefore: isoInstant("2026-10-25T01:45:00Z"), in: stockholm) == first)

        let quarters = try schedule("*/15 * * * *")
        #expect(
            quarters.nextFire(after: isoInstant("2026-10-25T00:50:00Z"), in: stockholm)
                == isoInstant("2026-10-25T02:00:00Z"))
        #expect(
            quarters.latestFire(atOrBefore: isoInstant("2026-10-25T01:59:00Z"), in: stockholm)
                == isoInstant("2026-10-25T00:45:00Z"))
    }

    @Test("when both day fields are restricted, a day matches either (the 13th or a Friday)")
    func dayOfMonthOrDayOfWeek() throws {
        let fires = firings(
            of: try schedule("0 0 13 * 5"), after: isoInstant("2026-12-01T00:00:00Z"), count: 6, in: utc)
        #expect(
            fires
                == ["2026-12-04", "2026-12-11", "2026-12-13", "2026-12-18", "2026-12-25", "2027-01-01"].map {
                    isoInstant("\($0)T00:00:00Z")
                })
    }

    @Test("when a day field starts with *, a day must match both, as in Vixie cron")
    func starFieldMeansAnd() throws {
        // Fridays that are odd days of the month: 11 and 25 December 2026, then 1 January 2027.
        let fires = firings(
            of: try schedule("0 0 */2 * FRI"), after: isoInstant("2026-12-01T00:00:00Z"), count: 3, in: utc)
        #expect(fires == ["2026-12-11", "2026-12-25", "2027-01-01"].map { isoInstant("\($0)T00:00:00Z") })
    }

    @Test(
        "macros expand to their five-field schedules",
        arguments: [
            ("@hourly", "0 * * * *"), ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"), ("@weekly", "0 0 * * 0"),
            ("@monthly", "0 0 1 * *"), ("@yearly", "0 0 1 1 *"), ("@annually", "0 0 1 1 *"), ("@DAILY", "0 0 * * *"),
        ])
    func macros(macro: String, fields: String) throws {
        let start = isoInstant("2026-11-23T05:00:00Z")
        #expect(
            firings(of: try schedule(macro), after: start, count: 3, in: stockholm)
                == firings(of: try schedule(fields), after: start, count: 3, in: stockholm))
        #expect(try schedule(macro).expression == macro)
    }

    @Test(
        "names, lists, ranges and steps select the same minutes as their numeric spelling",
        arguments: [
            ("0 9 * JAN-MAR MON-FRI", "0 9 * 1-3 1-5"),
            ("0 9 * * FRI-SUN", "0 9 * * 5,6,0"),
            ("0 9 * * 7", "0 9 * * 0"),
            ("0 9 * * sun", "0 9 * * 0"),
            ("5,10-20/5 */6 * * *", "5,10,15,20 0,6,12,18 * * *"),
            ("0-59/30 0-23/12 1-31/10 * *", "0,30 0,12 1,11,21,31 * *"),
            ("  0\t9 * * 1 ", "0 9 * * 1"),
        ])
    func spellings(expression: String, equivalent: String) throws {
        let start = isoInstant("2026-01-01T00:00:00Z")
        #expect(
            firings(of: try schedule(expression), after: start, count: 40, in: stockholm)
                == firings(of: try schedule(equivalent), after: start, count: 40, in: stockholm))
    }

    @Test(
        "bad expressions name the field and the token",
        arguments: [
            ("60 * * * *", "minute field \"60\": 60 is outside 0-59"),
            (
                "* * * *",
                "expected 5 fields (minute hour day-of-month month day-of-week) or a macro such as @daily, found 4"
            ),
            ("* * * * * *", "found 6"),
            ("", "found 0"),
            ("0 0 * * MON-FRI/0", "day-of-week field \"MON-FRI/0\": step \"0\""),
            ("0 0 31 2 *", "never fires"),
            ("0 0 31 4,6,9,11 *", "never fires"),
            ("0 0 30,31 FEB *", "never fires: no day in day-of-month \"30,31\" exists in month \"FEB\""),
            ("0 24 * * *", "hour field \"24\""),
            ("0 0 0 * *", "day-of-month field \"0\""),
            ("0 0 * 13 *", "month field \"13\""),
            ("0 0 * * 8", "day-of-week field \"8\""),
            ("0 0 * FOO *", "\"FOO\" is not a number 1-12 or a name JAN-DEC"),
            ("5/15 * * * *", "a step needs a range: write \"5-59/15\" or \"*/15\""),
            ("0 0 5-1 * *", "range \"5-1\" runs backwards"),
            (",5 * * * *", "\"\" is not a number 0-59"),
            ("*/x * * * *", "step \"x\""),
            ("1/2/3 * * * *", "more than one step"),
            ("+5 * * * *", "\"+5\" is not a number"),
            ("@reboot", "unknown macro"),
        ])
    func badExpressions(expression: String, expected: String) {
        #expect {
            try CronSchedule(parsing: expression)
        } throws: { error in
            let message = (error as? PeriodError)?.message ?? ""
            return message.contains(expected)
                && message.contains("cron \"\(expression.trimmingCharacters(in: .whitespaces))\"")
        }
    }

    @Test("day-of-month 31 with day-of-week restricted still fires, on the weekday")
    func restrictedWeekdayRescuesImpossibleDay() throws {
        let fire = try schedule("0 0 31 2 MON").nextFire(after: isoInstant("2026-01-01T00:00:00Z"), in: utc)
        #expect(fire == isoInstant("2026-02-02T00:00:00Z"))
    }

    @Test("29 February is found years away in both directions")
    func leapDay() throws {
        let leap = try schedule("0 12 29 2 *")
        #expect(
            leap.latestFire(atOrBefore: isoInstant("2027-02-28T00:00:00Z"), in: utc)
                == isoInstant("2024-02-29T12:00:00Z"))
        #expect(leap.nextFire(after: isoInstant("2024-03-01T00:00:00Z"), in: utc) == isoInstant("2028-02-29T12:00:00Z"))
        // 2100 is not a leap year: eight years between firings.
        #expect(leap.nextFire(after: isoInstant("2096-03-01T00:00:00Z"), in: utc) == isoInstant("2104-02-29T12:00:00Z"))
    }

    @Test("schedules equal by expression and parsed fields")
    func equality() throws {
        #expect(try schedule("0 6 * * 1") == schedule(" 0 6 * * 1"))
        #expect(try schedule("0 6 * * 1") != schedule("0 6 * * MON"))
    }

    @Test(
        "firings agree minute by minute with a brute-force walk around DST changes",
        arguments: [
            ("Europe/Stockholm", "2026-03-28T00:00:00Z"),
            ("Europe/Stockholm", "2026-10-24T00:00:00Z"),
            ("America/Santiago", "2026-09-05T00:00:00Z"),
            ("America/Havana", "2026-10-31T00:00:00Z"),
            ("Australia/Lord_Howe", "2026-04-04T00:00:00Z"),
        ])
    func matchesBruteForce(zone: String, windowStart: String) throws {
        let calendar = try PeriodCalendar(timeZoneIdentifier: zone)
        var foundation = Calendar(identifier: .gregorian)
        foundation.timeZone = try #require(TimeZone(identifier: zone))
        let start = isoInstant(windowStart)
        let end = start + 3 * 24 * 60 * minute

        for expression in [
            "*/15 * * * *", "30 2 * * *", "0 0 * * *", "15 1,2,3 * * *", "59 23 * * *", "0,30 0-3 * * 0",
        ] {
            let cron = try schedule(expression)
            let fields = expression.split(separator: " ").map(String.init)
            // Fire at every minute whose local time matches, unless that local time was already seen.
            var seen = Set<[Int]>()
            var expected: [Int64] = []
            var instant = start - 6 * 60 * minute
            while instant < end {
                let parts = foundation.dateComponents(
                    [.year, .month, .day, .hour, .minute, .weekday],
                    from: Date(timeIntervalSince1970: TimeInterval(instant / 1000)))
                let local = [parts.year, parts.month, parts.day, parts.hour, parts.minute].map { $0 ?? -1 }
                if seen.insert(local).inserted, instant >= start,
                    bruteMatch(fields, minute: local[4], hour: local[3], weekday: (parts.weekday ?? 1) - 1)
                {
                    expected.append(instant)
                }
                instant += minute
            }
            #expect(!expected.isEmpty, "\(expression) in \(zone)")
            let actual = firings(of: cron, after: start - 1, count: expected.count + 1, in: calendar).filter {
                $0 < end
            }
            // Compared as local times so a failure reads as a schedule, not as epoch numbers.
            #expect(actual.map(calendar.formatLocal) == expected.map(calendar.formatLocal), "\(expression) in \(zone)")
            for (index, fire) in expected.enumerated() {
                #expect(cron.latestFire(atOrBefore: fire, in: calendar) == fire, "\(expression) in \(zone)")
                if index > 0 {
                    #expect(
                        cron.latestFire(atOrBefore: fire - 1, in: calendar) == expected[index - 1],
                        "\(expression) in \(zone)")
                }
            }
        }
    }

    @Test("a typical latestFire takes well under a millisecond, a multi-year search a few")
    func speed() throws {
        let clock = ContinuousClock()
        let now = isoInstant("2026-11-23T05:30:00Z")
        let typical = try [
            schedule("0 6 * * 1"), schedule("*/15 * * * *"), schedule("0 0 1 * *"), schedule("59 23 * * *"),
        ]
        let typicalTime = clock.measure {
            for index in 0..<1000 {
                _ = typical[index % typical.count].latestFire(
                    atOrBefore: now + Int64(index) * 7 * minute, in: stockholm)
            }
        }
        #expect(typicalTime < .milliseconds(250), "1000 calls took \(typicalTime)")

        let leap = try schedule("0 0 29 2 *")
        let worstTime = clock.measure {
            _ = leap.nextFire(after: isoInstant("2096-03-01T00:00:00Z"), in: stockholm)
        }
        #expect(worstTime < .milliseconds(50), "an eight-year search took \(worstTime)")
    }
}

// MARK: - Helpers

/// The next `count` firings after `start`, found by chaining `nextFire`.
private func firings(of schedule: CronSchedule, after start: Int64, count: Int, in calendar: PeriodCalendar) -> [Int64]
{
    var result: [Int64] = []
    var cursor = start
    while result.count < count, let fire = schedule.nextFire(after: cursor, in: calendar) {
        result.append(fire)
        cursor = fire
    }
    return result
}

/// Minute, hour and day-of-week matching for the simple expressions in the brute-force test
/// (numbers, `*`, `*/n`, lists and ranges, with day-of-month and month always `*`).
private func bruteMatch(_ fields: [String], minute: Int, hour: Int, weekday: Int) -> Bool {
    func matches(_ field: String, _ value: Int) -> Bool {
        field.split(separator: ",").contains { item in
            if item == "*" { return true }
            if item.hasPrefix("*/"), let step = Int(item.dropFirst(2)) { return value % step == 0 }
            let bounds = item.split(separator: "-").compactMap { Int($0) }
            return bounds.count == 2 ? (bounds[0]...bounds[1]).contains(value) : bounds.first == value
        }
    }
    return matches(fields[0], minute) && matches(fields[1], hour) && matches(fields[4], weekday)
}
