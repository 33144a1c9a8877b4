import Foundation
import Testing

/// The sample jobs in a workspace, their `outputs` changed by `outputs`.
private func sampleJobs(_ w: Workspace, outputs: [String: Any]) throws {
    try FileManager.default.createSymbolicLink(atPath: w.jobs + "/sample-data", withDestinationPath: packageRoot + "/Jobs/sample-data")
    for job in ["weekly-executive", "daily-consent-audit"] {
        let data = try Data(contentsOf: URL(fileURLWithPath: packageRoot + "/Jobs/\(job).json"))
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var merged = object["outputs"] as? [String: Any] ?? [:]
        merged.merge(outputs) { $1 }
        object["outputs"] = merged
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: URL(fileURLWithPath: w.jobs + "/\(job).json"))
    }
}

/// The report folders of one week of the weekly job and one day of the daily audit.
private func runSampleJobs(_ w: Workspace) throws -> [String] {
    var folders: [String] = []
    for (job, period) in [("weekly-executive", "2026-W46"), ("daily-consent-audit", "2026-11-19")] {
        let result = try w.tierwatch(["run", job, "--period", period, "--now", "2026-11-23T06:00:00Z"])
        #expect([0, 1, 2].contains(result.status), "\(job): \(result.stderr)")
        folders.append(w.reports + "/\(job)/\(period)")
    }
    return folders
}

private func python(_ script: String, _ arguments: [String]) throws -> ProcessResult {
    try runProcess("/usr/bin/env", ["python3", packageRoot + "/Tests/Support/" + script] + arguments)
}

@Suite("Outputs an analyst can recompute and validate")
struct AnalystOutputTests {
    @Test(
        "every CSV of the sample jobs, raw and spreadsheet, is accepted by an independent CSVW validator that reads the values the CSV holds",
        arguments: [("raw", "en"), ("spreadsheet", "sv"), ("raw", "ru")])
    func metadataValidates(mode: String, language: String) throws {
        let w = try Workspace()
        try sampleJobs(w, outputs: ["csv_mode": mode, "language": language])
        for folder in try runSampleJobs(w) {
            let check = try python("csvw_check.py", [folder])
            #expect(check.status == 0, "\(folder): \(check.stdout)\(check.stderr)")
            // 8 CSVs, each with its metadata; thousands of cells compared.
            #expect(check.stdout.hasPrefix("8 files, "), "\(check.stdout)")
            let metadata = try String(contentsOfFile: folder + "/privacy_by_tier.csv-metadata.json", encoding: .utf8)
            #expect(metadata.contains(#"{"@language":"\#(language)"}"#))
            let uses = ["en": "Uses of personal data", "sv": "Användningar av personuppgifter", "ru": "Использования персональных данных"][language]!
            #expect(metadata.contains(uses), "descriptions in the job's language: \(metadata.prefix(600))")
        }
    }

    @Test("every rate, mean and share of the raw sample CSVs recomputes from the counts in the same files to 1e-6")
    func figuresRecompute() throws {
        let w = try Workspace()
        try sampleJobs(w, outputs: ["csv_mode": "raw"])
        for folder in try runSampleJobs(w) {
            let result = try python("recompute.py", [folder])
            #expect(result.status == 0, "\(folder): \(result.stdout)\(result.stderr)")
            // Every file has figures to recompute (the sample weeks have people in each tier).
            let counts = result.stdout.split(separator: "\n").compactMap { line -> Int? in
                line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
            }
            #expect(counts.count == 5 && counts.allSatisfy { $0 > 0 }, "\(result.stdout)")
        }
        // Raw files are full precision in every figure column, spreadsheet files friendly.
        let surveys = try String(contentsOfFile: w.reports + "/weekly-executive/2026-W46/surveys_by_tier.csv", encoding: .utf8)
        let line = try #require(surveys.split(separator: "\r\n").first { $0.hasPrefix("all,") })
        let cells = line.split(separator: ",", omittingEmptySubsequences: false)
        #expect(cells.count == 14)
        for index in [5, 6, 10, 13] { #expect(cells[index].split(separator: ".").last?.count == 6, "\(line)") }
    }

    @Test("the checkers fail on what they are for: a tampered cell, a header that is not the metadata's, spreadsheet rounding")
    func checkersCanFail() throws {
        let w = try Workspace()
        try sampleJobs(w, outputs: ["csv_mode": "spreadsheet"])
        let folder = try runSampleJobs(w)[0]
        // Friendly rounding (2 decimals for percentages) does not recompute to 1e-6.
        let friendly = try python("recompute.py", [folder])
        #expect(friendly.status == 1 && friendly.stdout.contains("has fewer than 6 decimals"), "\(friendly.stdout)")
        // A count that is not an integer is refused by the validator, naming the value.
        let path = folder + "/metrics_by_tier.csv"
        let original = try String(contentsOfFile: path, encoding: .utf8)
        try original.replacingOccurrences(of: "\r\nall,", with: "\r\nall,12x").write(toFile: path, atomically: true, encoding: .utf8)
        let tampered = try python("csvw_check.py", [folder])
        #expect(tampered.status == 1 && tampered.stdout.contains("metrics_by_tier.csv: the CSVW validator says FAIL"), "\(tampered.stdout)")
        #expect(tampered.stdout.contains("12x"))
        // A renamed column no longer matches the metadata's titles.
        try original.replacingOccurrences(of: ",opens,", with: ",open,").write(toFile: path, atomically: true, encoding: .utf8)
        let renamed = try python("csvw_check.py", [folder])
        #expect(renamed.status == 1 && renamed.stdout.contains("metrics_by_tier.csv"), "\(renamed.stdout)")
    }

    @Test("a run that fails on its data keeps rejected.csv with its metadata, and nothing else described")
    func failedRunMetadata() throws {
        let w = try Workspace()
        try smallDataSet(w, events: cleanEvents + (0..<5).map { "bad\($0),not-a-time,s1,c1,,one_to_many,email,delivered,,,,personalization,EU" })
        try w.write(Canonical.job(), to: "Jobs/audit.json")
        let result = try w.tierwatch(["run", "audit", "--period", "2026-11-22"])
        #expect(result.status == 65, "\(result.stderr)")
        let folder = w.reports + "/audit/2026-11-22.failed"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(files == ["manifest.json", "rejected.csv", "rejected.csv-metadata.json"])
        let check = try python("csvw_check.py", [folder])
        #expect(check.status == 0 && check.stdout.hasPrefix("1 files, "), "\(check.stdout)")
    }

    static let runKeys = [
        "run", "run_id", "job", "trigger", "period", "period_start", "period_end", "timezone", "status", "exit_code",
        "started_at", "finished_at", "seconds", "rows_read", "rows_rejected", "violations", "report_path", "message",
    ]
    static let tierKeys = [
        "tier", "delivered", "opens", "clicks", "conversions", "holdouts", "reach", "engaged", "control", "treated_converters",
        "control_converters", "revenue", "responses", "csat_responses", "csat_sum", "csat_satisfied", "nps_responses",
        "nps_promoters", "nps_detractors", "intrusive_responses", "intrusive_yes", "uses", "uses_requiring_consent",
        "violating_uses", "violating_uses_requiring_consent", "violations", "conversion_rate", "engagement_rate", "csat_mean",
        "nps", "coverage_of_required", "coverage_of_all",
    ]

    @Test("history and show --format json: the documented keys, the same figures as the CSVs, usage errors elsewhere")
    func runsAsJSON() throws {
        let w = try Workspace()
        try sampleJobs(w, outputs: ["csv_mode": "raw"])
        let folders = try runSampleJobs(w)
        let history = try w.tierwatch(["history", "--format", "json"])
        #expect(history.status == 0 && history.stderr.isEmpty, "\(history.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [String: Any])
        #expect(document["schema_version"] as? Int == 1)
        let runs = try #require(document["runs"] as? [[String: Any]])
        #expect(runs.map { $0["job"] as? String } == ["daily-consent-audit", "weekly-executive"], "newest first")
        for run in runs { #expect(Set(run.keys) == Set(Self.runKeys), "\(run.keys.sorted())") }
        #expect(runs[1]["status"] as? String == "warn" && runs[1]["exit_code"] as? Int == 1)
        #expect(runs[1]["period_start"] as? String == "2026-11-08T23:00:00Z")
        // show by run id: per tier, the figures of privacy_by_tier.csv (no suppression applies to `all`).
        let runID = try #require(runs[1]["run_id"] as? String)
        let show = try w.tierwatch(["show", runID, "--format", "json"])
        #expect(show.status == 0, "\(show.stderr)")
        let shown = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        #expect((shown["run"] as? [String: Any])?["run_id"] as? String == runID)
        let tiers = try #require(shown["tiers"] as? [[String: Any]])
        #expect(tiers.map { $0["tier"] as? String } == ["one_to_all", "one_to_many", "one_to_some", "one_to_few", "one_to_one", "all"])
        for tier in tiers { #expect(Set(tier.keys) == Set(Self.tierKeys), "\(tier.keys.sorted())") }
        let privacy = try String(contentsOfFile: folders[0] + "/privacy_by_tier.csv", encoding: .utf8).split(separator: "\r\n")
        let header = privacy[0].split(separator: ",").map(String.init)
        let all = privacy.first { $0.hasPrefix("all,") }!.split(separator: ",").map(String.init)
        let allTier = tiers.last!
        for key in ["uses", "uses_requiring_consent", "violating_uses", "violating_uses_requiring_consent", "violations"] {
            #expect((allTier[key] as? Int).map(String.init) == all[header.firstIndex(of: key)!], "\(key)")
        }
        for key in ["coverage_of_required", "coverage_of_all"] {
            let value = try #require(allTier[key] as? Double)
            #expect(abs(value - Double(all[header.firstIndex(of: key)!])!) < 1e-9, "\(key)")
        }
        // --format belongs to history and show, and takes text or json.
        #expect(try w.tierwatch(["jobs", "--format", "json"]).status == 64)
        let bad = try w.tierwatch(["history", "--format", "xml"])
        #expect(bad.status == 64 && bad.stderr.contains("--format takes text or json"), "\(bad.stderr)")
        #expect(try w.tierwatch(["history", "--format", "text"]).stdout.hasPrefix("RUN "))
    }
}
