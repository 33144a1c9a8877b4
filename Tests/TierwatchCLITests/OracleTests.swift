import Foundation
import Testing

/// The README's definitions, checked against a data set and expected figures made
/// independently of this code (see Fixtures/oracle/NOTES.md and reference.py). Small-cell
/// suppression is off in this job, so the oracle checks every exact figure.
@Suite("Independent oracle data set")
struct OracleTests {
    static let fixture = packageRoot + "/Tests/TierwatchCLITests/Fixtures/oracle"

    static let job = """
        {"schemaVersion": 1, "period": "weekly", "timezone": "Europe/Stockholm",
         "inputs": {
           "events": {"path": "oracle/events-*.csv*", "max_reject_rate": 0.2},
           "consents": {"path": "oracle/consents.csv"},
           "erasures": {"path": "oracle/erasures.csv"},
           "surveys": {"path": "oracle/surveys.csv", "max_reject_rate": 0.2}},
         "currency": {"reporting": "EUR", "rates": {"SEK": 0.087, "USD": 0.92, "GBP": 1.15}},
         "fail_on": "never", "outputs": {"small_cell_k": 0}}
        """

    @Test("every figure, violation and rejected line matches the reference implementation")
    func matchesReference() throws {
        let workspace = try Workspace()
        try workspace.copy(Self.fixture, to: "Jobs/oracle")
        try workspace.write(Self.job, to: "Jobs/oracle-week.json")
        let result = try workspace.tierwatch(
            ["run", "oracle-week", "--period", "2026-W46"], environment: ["TIERWATCH_PSEUDONYM_KEY": "oracle-test-key"])
        #expect(result.status == 1, "warnings expected (rejected rows, violations): \(result.stderr)")
        let folder = workspace.reports + "/oracle-week/2026-W46"
        for file in [
            "metrics_by_tier.csv", "metrics_by_campaign.csv", "surveys_by_tier.csv", "privacy_by_tier.csv",
            "privacy_by_jurisdiction.csv", "violations.csv",
        ] {
            let diff = try runProcess(
                "/usr/bin/env",
                ["python3", packageRoot + "/Tests/Support/csvdiff.py", Self.fixture + "/expected/" + file, folder + "/" + file]
                    + (file == "violations.csv" ? ["--ignore", "detail"] : [])
                    // Rules added after the oracle was written (DSR erasures) are not in it.
                    + (file.hasPrefix("privacy_") ? ["--ignore", "resurrection"] : []))
            #expect(diff.status == 0, "\(file): \(diff.stdout)\(diff.stderr)")
        }
        // Rejected rows: the same (input, file, line) triples; the wording of reasons is ours.
        let expected = try String(contentsOfFile: Self.fixture + "/expected/rejected_lines.csv", encoding: .utf8)
            .split(whereSeparator: \.isNewline).dropFirst().map(String.init)
        let actual = try String(contentsOfFile: folder + "/rejected.csv", encoding: .utf8)
            .split(separator: "\r\n").dropFirst().map { line -> String in
                let cells = line.split(separator: ",", omittingEmptySubsequences: false)
                return "\(cells[0]),\((String(cells[1]) as NSString).lastPathComponent),\(cells[2])"
            }
        #expect(Set(actual) == Set(expected))
        #expect(actual.count == expected.count)
    }

    @Test("reading the events in many small parts on several threads gives byte-identical reports")
    func partsGiveIdenticalReports() throws {
        var folders: [String: [String: Data]] = [:]
        for threads in ["1", "5"] {
            let workspace = try Workspace()
            try workspace.copy(Self.fixture, to: "Jobs/oracle")
            try workspace.write(Self.job, to: "Jobs/oracle-week.json")
            // Parts of 64 bytes: every event file is cut, many cuts land inside quoted fields.
            let result = try workspace.tierwatch(
                ["run", "oracle-week", "--period", "2026-W46", "--threads", threads, "--now", "2026-11-23T06:00:00Z"],
                environment: ["TIERWATCH_PSEUDONYM_KEY": "oracle-test-key", "TIERWATCH_MIN_PART_BYTES": "64"])
            #expect(result.status == 1, "\(result.stderr)")
            let folder = workspace.reports + "/oracle-week/2026-W46"
            var files: [String: Data] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
                files[name] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
            }
            folders[threads] = files
        }
        let one = folders["1"] ?? [:], many = folders["5"] ?? [:]
        #expect(one.keys.sorted() == many.keys.sorted())
        #expect(one.keys.contains("violations.csv") && one.keys.contains("rejected.csv"))
        for (name, data) in one { #expect(many[name] == data, "\(name) differs between 1 and 5 threads") }
    }
}
