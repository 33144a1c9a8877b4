import Foundation
import Testing

@testable import TierwatchCore

func readJob(_ json: String, id: String = "test-job") throws(TierwatchError) -> JobDefinition {
    try JobDefinition.read(id: id, file: "Jobs/\(id).json", data: Array(json.utf8), hash: "0")
}

let minimalJob = """
    {"schemaVersion": 1, "period": "weekly", "timezone": "Europe/Stockholm", "schedule": "0 6 * * 1",
     "inputs": {"events": {"path": "events/*.csv"}}}
    """

@Suite("Job files")
struct JobDefinitionTests {
    @Test("a minimal job gets the documented defaults")
    func defaults() throws {
        let job = try readJob(minimalJob)
        #expect(job.period == .weekly)
        #expect(job.policy == .standard)
        #expect(job.failOn == .critical)
        #expect(job.inputs[.events]?.maxRejectRate == 0.01)
        #expect(job.inputs[.events]?.paths == ["events/*.csv"])
        #expect(job.pseudonymKeyEnvironment == "TIERWATCH_PSEUDONYM_KEY")
        #expect(job.directory == "Jobs")
        #expect(job.language == .english)
        #expect(job.smallCellK == 5)
        #expect(job.minimumGroupSize == 100)
        #expect(job.expectedHoldoutShare == nil)
        #expect(job.reportBaseURL == nil)
    }

    @Test("report keys: language, small_cell_k, minimum_group_size, expected_holdout_share, report_base_url")
    func reportKeys() throws {
        let job = try readJob(
            minimalJob.replacingOccurrences(
                of: "\"inputs\"",
                with: #""expected_holdout_share": 0.1, "report_base_url": "https://reports.example.com/tw/", "outputs": {"language": "sv", "small_cell_k": 10, "minimum_group_size": 250}, "inputs""#))
        #expect(job.language == .swedish)
        #expect(job.smallCellK == 10)
        #expect(job.minimumGroupSize == 250)
        #expect(job.expectedHoldoutShare == 0.1)
        #expect(job.reportBaseURL == "https://reports.example.com/tw")
    }

    static let reportKeyProblems: [(String, String)] = [
        (#""outputs": {"language": "de"}"#, #"$.outputs.language: expected one of "en", "sv", "ru", found "de""#),
        (#""outputs": {"small_cell_k": -1}"#, "$.outputs.small_cell_k: expected a whole number from 0 to 1000"),
        (#""outputs": {"minimum_group_size": 0}"#, "$.outputs.minimum_group_size: expected a whole number from 1"),
        (#""expected_holdout_share": 1"#, "$.expected_holdout_share: expected a share strictly between 0 and 1"),
        (#""report_base_url": "ftp://x""#, "$.report_base_url: expected an absolute http(s) URL"),
    ]

    @Test("bad report keys name their JSON path and what was expected", arguments: reportKeyProblems)
    func reportKeyProblem(_ member: String, _ message: String) {
        let json = minimalJob.replacingOccurrences(of: "\"inputs\"", with: member + ", \"inputs\"")
        #expect {
            _ = try readJob(json)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    static let problemCases: [(String, String)] = [
        (#"{"schemaVersion": 1, "period": "weekly", "timezone": "UTC", "inputs": {"events": {"path": "x"}}, "timezon": "UTC"}"#,
         #"$.timezon: unknown key (did you mean "timezone"?)"#),
        (#"{"schemaVersion": 2, "period": "weekly", "timezone": "UTC", "inputs": {"events": {"path": "x"}}}"#,
         "$.schemaVersion: unsupported schemaVersion 2"),
        (#"{"schemaVersion": 1, "period": "fortnightly", "timezone": "UTC", "inputs": {"events": {"path": "x"}}}"#,
         #"$.period: expected one of "daily", "weekly", "monthly", found "fortnightly""#),
        (#"{"schemaVersion": 1, "period": "daily", "timezone": "Mars/Olympus", "inputs": {"events": {"path": "x"}}}"#,
         "$.timezone:"),
        (#"{"schemaVersion": 1, "period": "daily", "timezone": "UTC", "inputs": {"events": {"path": "x", "max_reject_rate": 5}}}"#,
         "$.inputs.events.max_reject_rate: expected a number from 0.0 to 1.0, found 5.0"),
        (#"{"schemaVersion": 1, "period": "daily", "timezone": "UTC", "inputs": {"events": {"path": "x", "columns": {"tear": "Level"}}}}"#,
         "$.inputs.events.columns.tear: not a column of events"),
        (#"{"schemaVersion": 1, "period": "daily", "timezone": "UTC", "inputs": {"consents": {"path": "x"}}}"#,
         #"$.inputs: missing key "events""#),
        (#"{"schemaVersion": 1, "period": "daily", "timezone": "UTC", "schedule": "61 * * * *", "inputs": {"events": {"path": "x"}}}"#,
         "$.schedule:"),
        (#"{"schemaVersion": 1, "period": "daily", "timezone": "UTC", "inputs": {"events": {"path": "x"}}, "policy": {"jurisdictions": [{"code": "EU", "regime": "opt-in"}]}}"#,
         #"$.policy.jurisdictions[0].regime: expected one of "opt_in", "opt_out", "none""#),
        (#"{"schemaVersion": 1, "period": "daily", "timezone": "UTC", "inputs": {"events": {"path": "x"}}, "currency": {"reporting": "EUR", "rates": {"SEK": "abc"}}}"#,
         "$.currency.rates.SEK: expected a positive decimal rate"),
        (#"{"schemaVersion": 1, "period": "daily", "timezone": "UTC", "inputs": {"events": {"path": "x"}}, "fail_on": "severe"}"#,
         #"$.fail_on: expected one of "low", "medium", "high", "critical", "never""#),
        (#"{"schemaVersion": 1, "period": "daily" "timezone": "UTC"}"#, "not valid JSON"),
    ]

    @Test("problems name the file, the JSON path and what was expected", arguments: problemCases)
    func problems(_ json: String, _ expected: String) {
        do {
            _ = try readJob(json)
            Issue.record("expected an error containing \(expected)")
        } catch {
            #expect(error.code == .badJob)
            #expect(error.message.contains(expected), "\(error.message)")
            if !expected.hasPrefix("not valid") { #expect(error.message.hasPrefix("Jobs/test-job.json: $")) }
        }
    }

    @Test("every problem of a file is reported at once")
    func allProblems() {
        do {
            _ = try readJob(#"{"schemaVersion": 1, "period": "hourly", "timezone": 5, "inputs": {"events": {}}}"#)
        } catch {
            #expect(error.message.split(separator: "\n").count == 3, "\(error.message)")
        }
    }

    @Test("exchange rates are exact fractions")
    func rates() throws {
        #expect(JobDefinition.parseRate("0.087") == ExchangeRate(numerator: 87, denominator: 1000))
        #expect(JobDefinition.parseRate("11") == ExchangeRate(numerator: 11, denominator: 1))
        #expect(JobDefinition.parseRate("-1") == nil)
        #expect(JobDefinition.parseRate("0") == nil)
    }

    @Test("job ids are restricted to safe file names")
    func ids() {
        #expect(JobDefinition.isValidID("weekly-executive"))
        #expect(!JobDefinition.isValidID("Weekly"))
        #expect(!JobDefinition.isValidID("../etc"))
        #expect(!JobDefinition.isValidID(".hidden"))
    }
}

@Suite("Output encoding")
struct OutputEncodingTests {
    @Test("CSV text cells are neutralised against formula injection; numbers are not", arguments: [
        ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"), ("plain", "plain"), ("", ""),
    ])
    func neutralised(_ input: String, _ expected: String) {
        #expect(CSVWriter.neutralised(input) == expected)
    }

    @Test("CSV output quotes commas, quotes and newlines, and keeps numbers as they are")
    func rendering() {
        let text = CSVWriter.render(header: ["a", "b", "c"], rows: [[.text("x, \"y\""), .plain("-12.5"), .text("two\nlines")]])
        #expect(text == "a,b,c\r\n\"x, \"\"y\"\"\",-12.5,\"two\nlines\"\r\n")
    }

    @Test("HTML escaping leaves no markup from input")
    func html() {
        #expect(HTMLPage.escape("<script>alert('x')</script> & \"q\"") == "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;")
    }

    @Test("the interner gives dense ids and finds keys again")
    func interner() {
        let interner = ByteInterner(capacity: 2)
        var ids: [Int32] = []
        for index in 0..<5000 { ids.append(interner.intern("subject-\(index)")) }
        #expect(ids == (0..<5000).map { Int32($0) })
        #expect(interner.lookup("subject-4321") == 4321)
        #expect(interner.lookup("subject-5000") == nil)
        #expect(interner.string(17) == "subject-17")
    }
}
