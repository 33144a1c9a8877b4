import Foundation
import Testing
import TierwatchCore

@Suite("Remote source and mail building blocks")
struct SourceAndMailUnitTests {
    @Test(
        "an object's date is the first YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD in its name that is a real date",
        arguments: [
            ("events/2026-11-16/part-0.csv.gz", 20_261_116), ("feed/2026/11/09/hits.tsv", 20_261_109),
            ("export_20261130.csv", 20_261_130), ("dt=2026-02-28/x.csv", 20_260_228), ("v2/20261345-20261101.csv", 20_261_101),
            ("id-1234567890123.csv", nil), ("events.csv", nil), ("2026-13-01.csv", nil),
        ] as [(String, Int?)])
    func objectDates(name: String, expected: Int?) {
        #expect(ObjectDates.find(in: name) == expected)
    }

    @Test("a remote path keeps its user out of what reports show, and a password in it is refused")
    func remoteLocations() throws {
        let location = try RemoteLocation("sftp://exports@files.example.com:2222/drop/events-*.csv.gz")
        #expect(location.scheme == .sftp)
        #expect(location.display == "sftp://files.example.com:2222/drop/events-*.csv.gz")
        #expect(throws: SourceError.self) { try RemoteLocation("sftp://user:hunter2@host/x") }
        #expect(throws: SourceError.self) { try RemoteLocation("ftp://host/x") }
    }

    @Test("${VAR} in a header is expanded from the environment, and a missing variable is named without any value")
    func templates() throws {
        #expect(try Template.expand("Bearer ${TOKEN}", environment: ["TOKEN": "abc"]) == "Bearer abc")
        do {
            _ = try Template.expand("Bearer ${TOKEN}", environment: [:])
            Issue.record("expected an error")
        } catch {
            #expect(error.message == "the environment variable TOKEN is not set")
        }
        #expect(Template.problem("Bearer ${TO-KEN}") != nil)
        #expect(Template.problem("Bearer ${TOKEN") != nil)
    }

    @Test("job files: a literal Authorization header, an sftp:// input without a key, and a mail section without recipients are refused")
    func jobValidation() {
        let base = #"{"schemaVersion": 1, "period": "daily", "timezone": "UTC", "inputs": {"events": %EVENTS%}%EXTRA%}"#
        func problems(_ events: String, extra: String = "") -> String {
            do {
                _ = try readJob(base.replacingOccurrences(of: "%EVENTS%", with: events).replacingOccurrences(of: "%EXTRA%", with: extra))
                return ""
            } catch {
                return error.message
            }
        }
        #expect(problems(#"{"path": "https://x.example/e.csv", "headers": {"Authorization": "Bearer abc"}}"#).contains("${ENV_VAR}"))
        #expect(problems(#"{"path": "sftp://u@h/e.csv", "known_hosts": "kh"}"#).contains("identity_file"))
        #expect(problems(#"{"path": "http://example.com/e.csv"}"#).contains("plain http://"))
        #expect(problems(#"{"path": "s3://b/p/", "s3": {"endpoint": "ftp://minio"}}"#).contains("https://"))
        #expect(problems(#"{"path": "e.csv"}"#, extra: #", "mail": {"smtp": "smtp://mail.example.com", "from": "a@example.com"}"#).contains("missing key \"to\""))
        #expect(problems(#"{"path": "e.csv"}"#, extra: #", "mail": {"smtp": "smtp://u:p@mail.example.com", "from": "a@example.com", "to": "b@example.com"}"#).contains("credentials"))
        #expect(problems(#"{"path": "https://x.example/e.csv", "headers": {"Authorization": "Bearer ${T}"}, "pagination": {"type": "cursor", "field": "next"}}"#) == "")
    }

    @Test("subjects that are not plain ASCII become RFC 2047 encoded words of at most 75 characters that decode to the subject")
    func encodedWords() throws {
        for subject in ["Veckorapport vecka 46: åäö ÅÄÖ", "Еженедельный отчёт о персонализации и согласии 2026-W46 — " + String(repeating: "ё", count: 40), "plain ascii"] {
            let encoded = MIMEMessage.encodedWords(subject, prefixLength: 9)
            if subject == "plain ascii" {
                #expect(encoded == subject)
                continue
            }
            var decoded: [UInt8] = []
            for word in encoded.components(separatedBy: "\r\n ") {
                #expect(word.count <= 75)
                #expect(word.hasPrefix("=?utf-8?B?") && word.hasSuffix("?="))
                let payload = try #require(Data(base64Encoded: String(word.dropFirst(10).dropLast(2))))
                #expect(String(data: payload, encoding: .utf8) != nil, "each word holds whole characters")
                decoded += payload
            }
            #expect(String(decoding: decoded, as: UTF8.self) == subject)
        }
    }

    @Test("Date headers follow RFC 5322 in UTC, weekday included")
    func dates() {
        #expect(MIMEMessage.rfc5322Date(0) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(MIMEMessage.rfc5322Date(1_795_413_600_000) == "Mon, 23 Nov 2026 06:00:00 +0000")
    }
}

@Suite("Which dated objects belong to a period")
struct ObjectSelectionTests {
    static func days(_ zone: String, margin: Int, _ selection: ObjectSelection = .period) throws -> [Int] {
        let period = try PeriodCalendar(timeZoneIdentifier: "Europe/Stockholm").period(label: "2026-W46")
        var settings = SourceSettings()
        settings.dateTimeZone = zone
        settings.dateMarginDays = margin
        return (1...30).filter { day in
            ObjectDates.selects("daily/events-2026-11-\(day < 10 ? "0" : "")\(day).csv.gz", selection, period: period, settings: settings)
        }
    }

    @Test("exactly the objects whose day overlaps the period, in the source's zone, widened by the margin")
    func exact() throws {
        #expect(try Self.days("UTC", margin: 0) == Array(8...15), "UTC days overlapping 8 Nov 23:00Z to 15 Nov 23:00Z")
        #expect(try Self.days("Europe/Stockholm", margin: 0) == Array(9...15))
        #expect(try Self.days("Europe/Stockholm", margin: 1) == Array(8...16))
        #expect(try Self.days("America/New_York", margin: 0) == Array(8...15))
        #expect(try Self.days("UTC", margin: 0, .throughPeriod) == Array(1...15))
        #expect(try Self.days("UTC", margin: 0, .all) == Array(1...30))
    }
}

