import Foundation
import Testing

/// Runs `job` for `period` in `count` shards (each with `shardArguments`) and merges them in
/// a shuffled order into `reports`; returns the merge's result.
private func shardedRun(
    _ w: Workspace, job: String, period: String, count: Int, reports: String, environment: [String: String],
    shardArguments: [String] = []
) throws -> ProcessResult {
    var folders: [String] = []
    for index in 0..<count {
        let folder = w.root + "/parts/\(job)/\(index)"
        let shard = try w.tierwatch(
            ["run", job, "--period", period, "--now", "2026-11-30T06:00:00Z", "--shard", "\(index)/\(count)", "--partial", folder]
                + shardArguments, environment: environment)
        #expect(shard.status == 0, "shard \(index)/\(count): \(shard.stderr)")
        folders.append(folder)
    }
    return try runProcess(
        tierwatchBinary,
        ["merge", job, "--period", period, "--now", "2026-11-30T06:00:00Z"] + folders.reversed()
            + ["--jobs", w.jobs, "--reports", reports, "--state", w.root + "/merged-state.sqlite3"],
        environment: environment, directory: w.root)
}

/// The files of a report folder; the HTML reports with their provenance line (which names
/// the shards) taken out.
private func comparable(_ folder: String) throws -> [String: Data] {
    var files: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
        var data = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
        if name.hasSuffix(".html") {
            let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            data = Data(lines.filter { !$0.hasPrefix("<p>Run ") }.joined(separator: "\n").utf8)
        }
        files[name] = data
    }
    return files
}

@Suite("Sharded runs merged exactly")
struct ShardTests {
    static let environment = ["TIERWATCH_PSEUDONYM_KEY": "shard-test-key", "TIERWATCH_MIN_PART_BYTES": "4096"]

    @Test("a generated week in 1, 2 and 5 shards read in many small parts gives the single run's CSVs byte for byte", arguments: [1, 2, 5])
    func generatedWeek(shards: Int) throws {
        let w = try Workspace.generatedWeek(events: 40_000, extra: #""outputs": {"evidence_rows": 3}"#)
        let single = try w.tierwatch(["run", "big", "--period", "2026-W47", "--now", "2026-11-30T06:00:00Z"], environment: Self.environment)
        #expect(single.status == 1, "\(single.stderr)")
        let merged = try shardedRun(
            w, job: "big", period: "2026-W47", count: shards, reports: w.root + "/merged", environment: Self.environment,
            shardArguments: ["--threads", "3"])
        #expect(merged.status == single.status, "\(merged.stderr)")
        let expected = try comparable(w.reports + "/big/2026-W47")
        let actual = try comparable(w.root + "/merged/big/2026-W47")
        #expect(Set(actual.keys) == Set(expected.keys))
        for name in expected.keys.sorted() { #expect(actual[name] == expected[name], "\(name) differs from the single run's") }
        let violations = try String(contentsOfFile: w.reports + "/big/2026-W47/violations.csv", encoding: .utf8)
        #expect(violations.split(separator: "\r\n").count > 1000, "a week with violations to interleave")
        // The HTML names the shards; the merge is one run in the history.
        let html = try String(contentsOfFile: w.root + "/merged/big/2026-W47/compliance.html", encoding: .utf8)
        #expect(html.contains("merged from \(shards) shards"))
        let history = try runProcess(tierwatchBinary, ["history", "--format", "json", "--state", w.root + "/merged-state.sqlite3", "--jobs", w.jobs])
        #expect(history.stdout.components(separatedBy: "\"trigger\":\"merge\"").count == 2, "\(history.stdout)")
    }

    @Test("inputs split in parts per shard (tierwatch split): each shard reads only its own, and the merge is the single run's byte for byte")
    func splitInputs() throws {
        let w = try Workspace.generatedWeek(events: 30_000, extra: #""outputs": {"evidence_rows": 3}"#)
        // Rows that are rejected, and gzip files, in the inputs to split.
        try FileManager.default.removeItem(atPath: w.jobs + "/data")
        let generated = try runProcess(
            tierwatchBinary,
            ["generate", "--out", w.jobs + "/data", "--events", "30000", "--days", "7", "--start", "2026-11-16", "--seed", "11",
             "--invalid-rows", "25", "--gzip"])
        #expect(generated.status == 0, "\(generated.stderr)")
        let job = try w.read("Jobs/big.json").replacingOccurrences(of: "events-*.csv", with: "events-*.csv*")
        try w.write(job, to: "Jobs/big.json")
        let split = try w.tierwatch(["split", "big", "--period", "2026-W47", "--shards", "4", "--out", "parts"], environment: Self.environment)
        #expect(split.status == 0, "\(split.stderr)")
        let parts = w.root + "/parts/{shard}"
        for kind in ["erasures", "consents", "events", "surveys"] { #expect(split.stdout.contains("\(kind): \(parts)/\(kind)/*"), "\(split.stdout)") }
        // Every row is in exactly one part (each file's header in every part).
        let original = try w.tierwatch(["run", "big", "--period", "2026-W47", "--now", "2026-11-30T06:00:00Z"], environment: Self.environment)
        #expect(original.status == 1, "\(original.stderr)")
        try w.write(
            job.replacingOccurrences(of: "data/events/events-*.csv*", with: parts + "/events/*")
                .replacingOccurrences(of: "data/consents.csv", with: parts + "/consents/*")
                .replacingOccurrences(of: "data/erasures.csv", with: parts + "/erasures/*")
                .replacingOccurrences(of: "data/surveys.csv", with: parts + "/surveys/*"),
            to: "Jobs/split.json")
        /// Runs `job` whole and in 4 shards (3 threads each) and compares every report file.
        func expectShardedEqualsSingle(_ job: String) throws {
            let single = try w.tierwatch(
                ["run", job, "--period", "2026-W47", "--now", "2026-11-30T06:00:00Z", "--threads", "3"], environment: Self.environment)
            #expect(single.status == 1, "\(job): \(single.stderr)")
            let merged = try shardedRun(
                w, job: job, period: "2026-W47", count: 4, reports: w.root + "/merged", environment: Self.environment,
                shardArguments: ["--threads", "3"])
            #expect(merged.status == single.status, "\(job): \(merged.stderr)")
            let expected = try comparable(w.reports + "/\(job)/2026-W47"), actual = try comparable(w.root + "/merged/\(job)/2026-W47")
            #expect(Set(actual.keys) == Set(expected.keys))
            for name in expected.keys.sorted() { #expect(actual[name] == expected[name], "\(job): \(name) differs from the single run's") }
        }
        try expectShardedEqualsSingle("split")
        // The same figures as the run over the files before they were split (the rows are
        // the same; violations and rejected rows are listed in the parts' order).
        for name in ["metrics_by_tier.csv", "metrics_by_campaign.csv", "surveys_by_tier.csv", "privacy_by_tier.csv", "uplift.csv"] {
            #expect(w.data("Reports/split/2026-W47/" + name) == w.data("Reports/big/2026-W47/" + name), "\(name)")
        }
        let rejected = try w.read("Reports/split/2026-W47/rejected.csv")
        #expect(rejected.split(separator: "\r\n").count == 26, "the 25 invalid rows, each rejected once: \(rejected)")
        // A shard read only its own parts: one per events file, not four.
        let partial = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: w.root + "/parts/split/1/partial.json"))) as! [String: Any]
        let events = (partial["inputs"] as! [[String: Any]]).first { $0["kind"] as? String == "events" }!
        #expect((events["files"] as! [Any]).count == 7 && events["file_count"] as? Int == 28, "\(events)")

        // Some inputs split, others read whole by every shard (with a row to reject): still
        // the single run's bytes.
        let consents = try w.read("Jobs/data/consents.csv")
        try w.write(consents + "c-000001,personalization,maybe,2026-11-18T10:00:00Z,cmp-web,EU,\n", to: "Jobs/data/consents.csv")
        try w.write(
            job.replacingOccurrences(of: "data/events/events-*.csv*", with: parts + "/events/*")
                .replacingOccurrences(of: "data/surveys.csv", with: parts + "/surveys/*"),
            to: "Jobs/mixed.json")
        try expectShardedEqualsSingle("mixed")
        let mixedRejected = try w.read("Reports/mixed/2026-W47/rejected.csv")
        #expect(mixedRejected.contains("consents,data/consents.csv,") && mixedRejected.contains("/parts/2/events/"),
                "rejected rows of an input read whole (shard 0's) and of parts: \(mixedRejected)")

        // Parts split with another key, or for another shard count, are refused.
        var otherKey = Self.environment
        otherKey["TIERWATCH_PSEUDONYM_KEY"] = "another-key"
        let misplaced = try w.tierwatch(["run", "split", "--period", "2026-W47", "--shard", "2/4", "--partial", w.root + "/x"], environment: otherKey)
        #expect(misplaced.status == 65 && misplaced.stderr.contains("belongs to another shard") && misplaced.stderr.contains("/parts/2/"),
                "\(misplaced.stderr)")
        #expect(!FileManager.default.fileExists(atPath: w.root + "/x/partial.json"), "a failed shard leaves no partial")
        let fewer = try w.tierwatch(["run", "split", "--period", "2026-W47", "--shard", "0/2", "--partial", w.root + "/y"], environment: Self.environment)
        #expect(fewer.status == 65 && fewer.stderr.contains("is a part of shard 2, but this run has 2 shards"), "\(fewer.stderr)")
    }

    @Test("the sample jobs in 4 shards: the single run's CSVs")
    func sampleJobs() throws {
        let w = try Workspace()
        try FileManager.default.createSymbolicLink(atPath: w.jobs + "/sample-data", withDestinationPath: packageRoot + "/Jobs/sample-data")
        for (job, period) in [("weekly-executive", "2026-W46"), ("daily-consent-audit", "2026-11-19")] {
            try FileManager.default.copyItem(atPath: packageRoot + "/Jobs/\(job).json", toPath: w.jobs + "/\(job).json")
            let single = try w.tierwatch(["run", job, "--period", period, "--now", "2026-11-30T06:00:00Z"], environment: Self.environment)
            let merged = try shardedRun(w, job: job, period: period, count: 4, reports: w.root + "/merged", environment: Self.environment)
            #expect(merged.status == single.status, "\(job): \(merged.stderr)")
            let expected = try comparable(w.reports + "/\(job)/\(period)"), actual = try comparable(w.root + "/merged/\(job)/\(period)")
            for name in expected.keys.sorted() where name.hasSuffix(".csv") || name == "manifest.json" {
                #expect(actual[name] == expected[name], "\(job) \(name) differs from the single run's")
            }
        }
    }

    @Test("partials that do not belong together are refused, naming the folder and why")
    func mismatchedPartials() throws {
        let w = try Workspace.generatedWeek(events: 5_000)
        func shard(_ index: Int, of count: Int, _ folder: String, period: String = "2026-W47") throws {
            let result = try w.tierwatch(
                ["run", "big", "--period", period, "--shard", "\(index)/\(count)", "--partial", w.root + "/" + folder], environment: Self.environment)
            #expect(result.status == 0, "\(result.stderr)")
        }
        func merge(_ folders: [String]) throws -> ProcessResult {
            try w.tierwatch(["merge", "big", "--period", "2026-W47"] + folders.map { w.root + "/" + $0 }, environment: Self.environment)
        }
        try shard(0, of: 3, "a0")
        try shard(1, of: 3, "a1")
        try shard(2, of: 3, "a2")
        let missing = try merge(["a0", "a2"])
        #expect(missing.status == 65 && missing.stderr.contains("missing shard 1 of 3"), "\(missing.stderr)")
        let twice = try merge(["a0", "a1", "a1", "a2"])
        #expect(twice.status == 65 && twice.stderr.contains("shard 1 of 3 is given twice"), "\(twice.stderr)")
        try shard(1, of: 2, "b1")
        let counts = try merge(["a0", "b1", "a2"])
        #expect(counts.status == 65 && counts.stderr.contains("b1: shard 1 of 2"), "\(counts.stderr)")
        try shard(1, of: 3, "w46", period: "2026-W46")
        let period = try merge(["a0", "w46", "a2"])
        #expect(period.status == 65 && period.stderr.contains("w46: period 2026-W46, not 2026-W47"), "\(period.stderr)")
        let notPartial = try merge(["a0", "nothing-here", "a2"])
        #expect(notPartial.status == 66 && notPartial.stderr.contains("nothing-here: no partial.json"), "\(notPartial.stderr)")
        // The job file changed after the shards ran.
        var job = try w.read("Jobs/big.json")
        job = job.replacingOccurrences(of: #""fail_on": "never""#, with: #""fail_on": "never", "title": "changed""#)
        try w.write(job, to: "Jobs/big.json")
        let edited = try merge(["a0", "a1", "a2"])
        #expect(edited.status == 65 && edited.stderr.contains("made from another version of the job file"), "\(edited.stderr)")
        #expect(!FileManager.default.fileExists(atPath: w.reports + "/big/2026-W47"), "nothing published")
        // A failed shard (as tierwatch slurm's script records it) is named by the merge.
        try "65\n".write(toFile: w.root + "/a1.failed", atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: w.root + "/a1/partial.json")
        let failed = try merge(["a0", "a1", "a2"])
        #expect(failed.status == 66 && failed.stderr.contains("a1: this shard failed (exit 65); its log is"), "\(failed.stderr)")
        // tierwatch slurm --dry-run prints the array and the merge script, and submits nothing.
        let dry = try w.tierwatch(["slurm", "big", "--period", "2026-W47", "--shards", "4", "--partition", "batch", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        for text in ["#SBATCH --array=0-3", "#SBATCH --partition=batch", "--shard \"$SLURM_ARRAY_TASK_ID/4\"", "--dependency=afterok:", " merge big --period 2026-W47 "] {
            #expect(dry.stdout.contains(text), "\(text) in \(dry.stdout)")
        }
        #expect(try w.tierwatch(["slurm", "big", "--dry-run"]).status == 64, "--shards is required")
        // Usage.
        #expect(try w.tierwatch(["run", "big", "--shard", "3/3", "--partial", "x"]).status == 64)
        #expect(try w.tierwatch(["run", "big", "--shard", "0/2"]).status == 64)
        #expect(try w.tierwatch(["run", "big", "--partial", "x"]).status == 64)
    }
}
