import Foundation
import Testing

/// Builds a small canonical data set in a workspace: events of 2026-11-22 (UTC).
func smallDataSet(_ workspace: Workspace, events: [String], consents: [String] = [], surveys: [String] = []) throws {
    try workspace.write(([Canonical.eventsHeader] + events).joined(separator: "\n") + "\n", to: "Jobs/data/events.csv")
    try workspace.write(([Canonical.consentsHeader] + consents).joined(separator: "\n") + "\n", to: "Jobs/data/consents.csv")
    try workspace.write(([Canonical.surveysHeader] + surveys).joined(separator: "\n") + "\n", to: "Jobs/data/surveys.csv")
}

let cleanEvents = [
    "e1,2026-11-22T08:00:00Z,s1,c1,Autumn,one_to_many,email,delivered,,,device,personalization,EU",
    "e2,2026-11-22T08:05:00Z,s1,c1,Autumn,one_to_many,email,open,,,device,personalization,EU",
    "e3,2026-11-22T09:00:00Z,s1,c1,Autumn,one_to_many,email,conversion,25.50,EUR,device,personalization,EU",
    "e4,2026-11-22T10:00:00Z,,c2,Banner,one_to_all,web,delivered,,,,,other",
]
let grantS1 = "s1,personalization,granted,2026-11-01T00:00:00Z,cmp-web,EU,"

@Suite("Running jobs end to end", .serialized)
struct RunTests {
    @Test("a clean run exits 0, prints nothing, and writes every output")
    func cleanRun() throws {
        let w = try Workspace()
        try smallDataSet(w, events: cleanEvents, consents: [grantS1])
        // Exact figures of one person: small-cell suppression off (see SuppressionTests).
        try w.write(Canonical.job(extra: #""outputs": {"small_cell_k": 0}"#), to: "Jobs/audit.json")
        let result = try w.tierwatch(["run", "audit", "--period", "2026-11-22"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.isEmpty, "quiet on success: \(result.stderr)")
        for file in [
            "metrics_by_tier.csv", "metrics_by_campaign.csv", "surveys_by_tier.csv", "privacy_by_tier.csv",
            "privacy_by_jurisdiction.csv", "violations.csv", "rejected.csv", "uplift.csv", "executive.html", "compliance.html",
            "manifest.json",
        ] {
            #expect(w.exists("Reports/audit/2026-11-22/" + file), "\(file)")
        }
        let tiers = try w.read("Reports/audit/2026-11-22/metrics_by_tier.csv")
        #expect(tiers.contains("one_to_many,1,1,0,1,0,0,0,1,1,1.000000,0.000000,1.000000,0.000000,0.000000,1.000000,EUR,25.50,25.50,25.50"))
        #expect(tiers.contains("one_to_all,1,0,0,0,0,0,0,0,0,0.000000,"))
        #expect(try w.read("Reports/audit/index.html").contains("2026-11-22"))
        let manifest = try JSONSerialization.jsonObject(with: w.data("Reports/audit/2026-11-22/manifest.json")!) as! [String: Any]
        #expect(manifest["status"] as? String == "success")
        #expect((manifest["inputs"] as? [[String: Any]])?.count == 2)
    }

    @Test("violations below fail_on exit 1, at or above exit 2")
    func exitStatusFollowsSeverity() throws {
        let w = try Workspace()
        // s2 has no consent in the EU: no_consent (high).
        try smallDataSet(w, events: cleanEvents + ["e5,2026-11-22T11:00:00Z,s2,c1,Autumn,one_to_many,email,delivered,,,device,personalization,EU"], consents: [grantS1])
        try w.write(Canonical.job(extra: #""fail_on": "critical""#), to: "Jobs/warns.json")
        try w.write(Canonical.job(extra: #""fail_on": "high""#), to: "Jobs/fails.json")
        let warn = try w.tierwatch(["run", "warns", "--period", "2026-11-22"])
        #expect(warn.status == 1)
        #expect(warn.stderr.contains("1 violations (1 high)"), "\(warn.stderr)")
        #expect(try w.tierwatch(["run", "fails", "--period", "2026-11-22"]).status == 2)
        let violations = try w.read("Reports/fails/2026-11-22/violations.csv")
        #expect(violations.contains("e5,2026-11-22T11:00:00Z,no_consent,high,one_to_many,EU,c1,personalization,p_"))
        #expect(!violations.contains("s2"), "subjects are pseudonymised")
    }

    @Test("rerunning a period over the same inputs rewrites byte-identical files")
    func reproducible() throws {
        let w = try Workspace()
        try smallDataSet(w, events: cleanEvents + ["e5,2026-11-22T11:00:00Z,s2,c9,\"=cmd|' /C calc'!A0\",one_to_many,email,delivered,,,device,personalization,EU"], consents: [grantS1])
        try w.write(Canonical.job(), to: "Jobs/audit.json")
        try w.tierwatch(["run", "audit", "--period", "2026-11-22"])
        let first = try w.snapshot("Reports/audit/2026-11-22")
        let second = try w.tierwatch(["run", "audit", "--period", "2026-11-22"], environment: ["TIERWATCH_PSEUDONYM_KEY": "test-key", "TIERWATCH_NOW": "2027-01-01T00:00:00Z"])
        #expect(second.status == 1)
        #expect(try w.snapshot("Reports/audit/2026-11-22") == first)
        #expect(first.count == 19, "8 CSVs with their CSVW metadata, 2 HTML reports, the manifest")
        // The campaign name is neutralised in the spreadsheet-facing CSV.
        #expect(try w.read("Reports/audit/2026-11-22/metrics_by_campaign.csv").contains(",'=cmd|' /C calc'!A0,"))
    }

    @Test("a bad row is rejected with file, line and reason and never dropped silently")
    func rejectedRows() throws {
        let w = try Workspace()
        var events = cleanEvents
        events.insert("e9,yesterday,s1,c1,Autumn,one_to_many,email,delivered,,,device,personalization,EU", at: 1)
        events.append("e10,2026-11-22T08:00:00Z,s1,c1,Autumn,one_to_mine,email,delivered,,,device,personalization,EU")
        events.append("e11,2026-11-22T08:00:00Z,s1,c1,Autumn,one_to_many,email,opened,,,device,personalization,EU")
        events.append("e12,2026-11-22T08:00:00Z,s1,c1,Autumn,one_to_many,email,open,,,device,personalization,MARS")
        events.append("e13,2026-11-22T08:00:00Z,s1,c1,Autumn, ,email,open,,,device,personalization,EU")
        events += cleanEvents.map { "x" + $0 }  // keeps the reject rate under the limit
        try smallDataSet(w, events: events, consents: [grantS1])
        try w.write(Canonical.job(maxRejectRate: 0.5), to: "Jobs/audit.json")
        let result = try w.tierwatch(["run", "audit", "--period", "2026-11-22"])
        #expect(result.status == 1)
        let rejected = try w.read("Reports/audit/2026-11-22/rejected.csv")
        #expect(rejected.contains("events,data/events.csv,3,occurred_at,\"expected an ISO-8601 timestamp"))
        #expect(rejected.contains("events,data/events.csv,7,tier,\"expected one of one_to_all"))
        #expect(rejected.contains("one_to_mine"))
        // A value outside a vocabulary is rejected with the whole vocabulary as the reason.
        #expect(rejected.contains("events,data/events.csv,8,event_type,\"expected one of delivered, open, click, conversion, bounce, unsubscribe, holdout\",opened"))
        #expect(rejected.contains("events,data/events.csv,9,jurisdiction,\"expected one of EU, UK, US-CA, US-other, other\",MARS"))
        #expect(rejected.contains("events,data/events.csv,10,tier,\"is empty; expected one of one_to_all, one_to_many, one_to_some, one_to_few, one_to_one\""))
        #expect(result.stderr.contains("5 rejected rows"))
    }

    @Test("above max_reject_rate the run fails with 65, keeps the evidence and the last good report")
    func rejectRate() throws {
        let w = try Workspace()
        try smallDataSet(w, events: cleanEvents, consents: [grantS1])
        try w.write(Canonical.job(), to: "Jobs/audit.json")
        #expect(try w.tierwatch(["run", "audit", "--period", "2026-11-22"]).status == 0)
        let good = try w.snapshot("Reports/audit/2026-11-22")
        try smallDataSet(w, events: cleanEvents + ["broken,row"], consents: [grantS1])
        let result = try w.tierwatch(["run", "audit", "--period", "2026-11-22"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("events: 1 of 5 rows rejected (20.00%), above max_reject_rate 1.00%"), "\(result.stderr)")
        #expect(result.stderr.contains("data/events.csv line 6: expected 13 fields, found 2"))
        #expect(try w.snapshot("Reports/audit/2026-11-22") == good)
        #expect(try w.read("Reports/audit/2026-11-22.failed/rejected.csv").contains("expected 13 fields, found 2"))
        let history = try w.tierwatch(["history", "audit"])
        #expect(history.stdout.contains("error"))
    }

    @Test("a missing input exits 66 naming the input and the path")
    func missingInput() throws {
        let w = try Workspace()
        try w.write(Canonical.job(consents: false), to: "Jobs/audit.json")
        let result = try w.tierwatch(["run", "audit", "--period", "2026-11-22"])
        #expect(result.status == 66)
        #expect(result.stderr.contains("events: no file matches data/events*.csv*"), "\(result.stderr)")
    }

    @Test("a missing required column is bad data naming the file and the column")
    func missingColumn() throws {
        let w = try Workspace()
        try w.write("event_id,occurred_at\ne1,2026-11-22T08:00:00Z\n", to: "Jobs/data/events.csv")
        try w.write(Canonical.job(consents: false), to: "Jobs/audit.json")
        let result = try w.tierwatch(["run", "audit", "--period", "2026-11-22"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("data/events.csv line 1: missing column \"campaign_id\""), "\(result.stderr)")
    }

    @Test("usage errors exit 64", arguments: [
        ["frobnicate"], ["run"], ["run", "audit", "--period", "2026-W99"], ["run", "audit", "--bogus"],
        ["run", "audit", "--from", "2026-11-01"], ["run", "nosuchjob"],
    ])
    func usage(_ arguments: [String]) throws {
        let w = try Workspace()
        try w.write(Canonical.job(), to: "Jobs/audit.json")
        let result = try w.tierwatch(arguments)
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(result.stderr.hasPrefix("tierwatch: error: "))
    }

    @Test("validate points at the file, the JSON path and what was expected, and exits 78")
    func validate() throws {
        let w = try Workspace()
        try w.write(Canonical.job(), to: "Jobs/good.json")
        try w.write(#"{"schemaVersion": 1, "period": "weekly", "timezone": "Europe/Stockholm", "inputs": {"events": {"path": "x.csv", "max_reject_rate": "1%"}}, "polcy": {}}"#, to: "Jobs/bad.json")
        let result = try w.tierwatch(["validate"])
        #expect(result.status == 78)
        #expect(result.stderr.contains("bad.json: $.inputs.events.max_reject_rate: expected a number, found a string"), "\(result.stderr)")
        #expect(result.stderr.contains("bad.json: $.polcy: unknown key (did you mean \"policy\"?)"))
        let good = try w.tierwatch(["validate", "good"])
        #expect(good.status == 78, "its input files do not exist yet: \(good.stderr)")
        try smallDataSet(w, events: cleanEvents)
        #expect(try w.tierwatch(["validate", "good"]).status == 0)
    }

    @Test("a second run of the same job exits 75 at once while the first holds the lock")
    func lock() throws {
        let w = try Workspace()
        try smallDataSet(w, events: cleanEvents, consents: [grantS1])
        try w.write(Canonical.job(), to: "Jobs/audit.json")
        try FileManager.default.createDirectory(atPath: w.root + "/state/locks", withIntermediateDirectories: true)
        // util-linux flock(1) holds the same kind of lock a running tierwatch holds.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = [w.root + "/state/locks/audit.lock", "sleep", "5"]
        try holder.run()
        // SIGKILL: a process started from a test thread inherits its blocked SIGTERM.
        defer { if holder.isRunning { kill(holder.processIdentifier, SIGKILL) }; holder.waitUntilExit() }
        usleep(300_000)
        let started = Date()
        let result = try w.tierwatch(["run", "audit", "--period", "2026-11-22"])
        #expect(result.status == 75)
        #expect(result.stderr.contains("job audit is already running"))
        #expect(Date().timeIntervalSince(started) < 3)
        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
        #expect(try w.tierwatch(["run", "audit", "--period", "2026-11-22"]).status == 0, "a released lock blocks nothing")
    }

    @Test("run --all-due runs what cron should, once")
    func allDue() throws {
        let w = try Workspace()
        try smallDataSet(w, events: cleanEvents, consents: [grantS1])
        try w.write(Canonical.job(), to: "Jobs/audit.json")
        let early = try w.tierwatch(["run", "--all-due", "--now", "2026-11-23T04:59:00Z"])
        #expect(early.status == 0)
        #expect(w.exists("Reports/audit/2026-11-21"), "before 05:00 the day before yesterday's run was due")
        #expect(!w.exists("Reports/audit/2026-11-22"))
        #expect(try w.tierwatch(["run", "--all-due", "--now", "2026-11-23T05:00:00Z"]).status == 0)
        #expect(w.exists("Reports/audit/2026-11-22"))
        let history = try w.tierwatch(["history", "audit"])
        #expect(try w.tierwatch(["run", "--all-due", "--now", "2026-11-23T06:00:00Z"]).status == 0)
        #expect(try w.tierwatch(["history", "audit"]).stdout == history.stdout, "nothing new was due")
    }

    @Test("history and show list runs with their per-tier figures")
    func historyAndShow() throws {
        let w = try Workspace()
        try smallDataSet(w, events: cleanEvents, consents: [grantS1])
        try w.write(Canonical.job(), to: "Jobs/audit.json")
        try w.tierwatch(["run", "audit", "--period", "2026-11-22"])
        let history = try w.tierwatch(["history"])
        #expect(history.stdout.contains("audit"))
        #expect(history.stdout.contains("2026-11-22"))
        let show = try w.tierwatch(["show", "1"])
        #expect(show.status == 0)
        #expect(show.stdout.contains("one_to_many  1"), "\(show.stdout)")
        #expect(try w.tierwatch(["show", "99"]).status == 64)
        let jobs = try w.tierwatch(["jobs"])
        #expect(jobs.stdout.contains("audit") && jobs.stdout.contains("#1 2026-11-22 success"), "\(jobs.stdout)")
    }

    @Test("column names, constants and value maps turn a vendor export into canonical rows")
    func mapping() throws {
        let w = try Workspace()
        try smallDataSet(w, events: [], consents: [grantS1])
        try w.write(
            """
            ID,When,Who,Campaign,Level,Action,Data,Why,Region
            v1,2026-11-22T08:00:00Z,s1,c1,segment,Sent,Device ; Location,personalization,DE
            v2,2026-11-22T08:01:00Z,s1,c1,1:Many,Sent,Device,personalization,DE
            v3,2026-11-22T08:02:00Z,s2,c1,1:Many,Opened,,personalization,CA

            """, to: "Jobs/data/events.csv")
        try w.write(
            Canonical.job(extra: """
                "fail_on": "never", "outputs": {"small_cell_k": 0}
                """).replacingOccurrences(
                    of: #""path": "data/events*.csv*", "max_reject_rate": 0.01"#,
                    with: #""path": "data/events*.csv*", "columns": {"event_id": "ID", "occurred_at": "When", "subject_id": "Who", "campaign_id": "Campaign", "tier": "Level", "event_type": "Action", "data_categories": "Data", "purpose": "Why", "jurisdiction": "Region"}, "constants": {"channel": "email"}, "values": {"tier": {"segment": "one_to_many", "1:Many": "one_to_many"}, "event_type": {"Sent": "delivered", "Opened": "open"}, "data_categories": {"Device": "device", "Location": "location"}, "jurisdiction": {"DE": "EU", "CA": "US-CA"}}"#),
            to: "Jobs/vendor.json")
        let result = try w.tierwatch(["run", "vendor", "--period", "2026-11-22"])
        #expect(result.status == 0, "\(result.stderr)")
        let tiers = try w.read("Reports/vendor/2026-11-22/metrics_by_tier.csv")
        #expect(tiers.contains("one_to_many,2,1,0,0,0,0,0,1,1,"), "\(tiers)")
        let privacy = try w.read("Reports/vendor/2026-11-22/privacy_by_jurisdiction.csv")
        #expect(privacy.contains("\r\nEU,2,2,0,0,0,1.000000,1.000000,"), "\(privacy)")
        #expect(privacy.contains("\r\nUS-CA,1,1,0,0,0,1.000000,1.000000,"), "\(privacy)")
    }

    @Test("thousands of distinct category lists give the same answers as a few (the cache has a bound)")
    func manyCategoryLists() throws {
        let w = try Workspace()
        let events = (0..<5000).map { "e\($0),2026-11-22T08:00:00Z,s1,c1,,one_to_many,email,delivered,,,device;x\($0),personalization,EU" }
        try smallDataSet(w, events: events, consents: [grantS1])
        try w.write(Canonical.job(extra: #""fail_on": "never""#), to: "Jobs/audit.json")
        #expect(try w.tierwatch(["run", "audit", "--period", "2026-11-22"]).status == 1)
        let violations = try w.read("Reports/audit/2026-11-22/violations.csv").split(separator: "\r\n")
        #expect(violations.count == 5001)
        #expect(violations.last?.hasSuffix("not allowed for one_to_many: x4999") == true, "\(violations.last ?? "")")
        #expect(violations[4500].hasSuffix("not allowed for one_to_many: x4499"))
    }

    @Test("periods: --from/--to, months and ISO weeks resolve in the job's timezone")
    func periods() throws {
        let w = try Workspace()
        // 2026-11-01T23:30Z is already 2 November in Stockholm.
        try smallDataSet(w, events: [
            "e1,2026-11-01T23:30:00Z,,c1,,one_to_all,web,delivered,,,,,other",
            "e2,2026-11-15T12:00:00Z,,c1,,one_to_all,web,delivered,,,,,other",
            "e3,2026-10-31T22:59:59Z,,c1,,one_to_all,web,delivered,,,,,other",
        ])
        try w.write(Canonical.job(timezone: "Europe/Stockholm", consents: false), to: "Jobs/stockholm.json")
        func delivered(_ arguments: [String], _ label: String) throws -> String {
            let result = try w.tierwatch(["run", "stockholm"] + arguments)
            #expect(result.status == 0, "\(result.stderr)")
            let text = try w.read("Reports/stockholm/\(label)/metrics_by_tier.csv")
            return String(text.split(separator: "\r\n").first { $0.hasPrefix("all,") }!.split(separator: ",")[1])
        }
        #expect(try delivered(["--from", "2026-11-02", "--to", "2026-11-15"], "2026-11-02_2026-11-15") == "2")
        #expect(try delivered(["--period", "2026-11"], "2026-11") == "2")
        #expect(try delivered(["--period", "2026-10"], "2026-10") == "1", "22:59:59Z on 31 October is 23:59:59 local (UTC+1)")
        #expect(try delivered(["--period", "2026-W45"], "2026-W45") == "1")
    }

    @Test("doctor prints the library versions and fetches a file:// URL through libcurl")
    func doctor() throws {
        let w = try Workspace()
        let result = try w.tierwatch(["doctor"])
        #expect(result.status == 0, "\(result.stderr)")
        for needle in ["SQLite   3.", "libcurl  libcurl/", "OpenSSL  OpenSSL 3", "zlib     1.", "file://  ok"] {
            #expect(result.stdout.contains(needle), "\(needle) in \(result.stdout)")
        }
    }
}
