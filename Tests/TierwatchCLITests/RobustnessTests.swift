import Foundation
import Testing

@Suite("Crashes, browsers and bundled data", .serialized)
struct RobustnessTests {
    @Test("killing runs at any moment leaves the previous reports intact and the next run correct")
    func killAtAnyMoment() throws {
        let w = try Workspace.generatedWeek(events: 300_000)
        let first = try w.tierwatch(["run", "big", "--period", "2026-W47"])
        #expect(first.status == 1, "\(first.stderr)")
        let good = try w.snapshot("Reports/big/2026-W47")
        #expect(good.count == 19, "8 CSVs with their CSVW metadata, 2 HTML reports, the manifest")
        // Measure one run, then kill reruns at moments spread over it.
        let started = Date()
        try w.tierwatch(["run", "big", "--period", "2026-W47"])
        let duration = Date().timeIntervalSince(started)
        for step in 0..<8 {
            let process = try w.start(["run", "big", "--period", "2026-W47"])
            usleep(useconds_t(duration * Double(step) / 8 * 1_000_000) + 5_000)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            // Whatever the moment, the published folder is the complete previous one, or (only
            // between the two renames of publishing) absent until the next run restores it.
            if w.exists("Reports/big/2026-W47") {
                #expect(try w.snapshot("Reports/big/2026-W47") == good, "after a kill at step \(step)")
            } else {
                #expect(w.exists("Reports/big/.previous-2026-W47"), "step \(step): the previous report must be recoverable")
            }
        }
        let next = try w.tierwatch(["run", "big", "--period", "2026-W47"])
        #expect(next.status == 1)
        #expect(try w.snapshot("Reports/big/2026-W47") == good)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: w.reports + "/big").filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "\(leftovers)")
        let history = try w.tierwatch(["history", "big"]).stdout
        #expect(!history.contains("running"), "interrupted runs are marked, not left running: \(history)")
    }

    /// Finds a headless Chromium (installed by `make test`).
    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test("hostile values from input render as text in a real browser, with no script and no network")
    func htmlInBrowser() throws {
        let chromium = try #require(Self.chromium, "headless Chromium is needed: make test installs the chromium package")
        let w = try Workspace()
        let hostile = "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"
        try smallDataSet(
            w,
            events: cleanEvents + ["e6,2026-11-22T12:00:00Z,s9,\"c<b>3</b>\",\"\(hostile.replacingOccurrences(of: "\"", with: "\"\""))\",one_to_one,email,delivered,,,health,personalization,EU"],
            consents: [grantS1])
        try w.write(Canonical.job(extra: #""fail_on": "never""#), to: "Jobs/audit.json")
        #expect(try w.tierwatch(["run", "audit", "--period", "2026-11-22"]).status == 1)
        for page in ["executive.html", "compliance.html"] {
            let url = "file://" + w.reports + "/audit/2026-11-22/" + page
            let dom = try runProcess(
                chromium, Chromium.isolated + ["--dump-dom", url], timeout: 120)
            #expect(dom.status == 0, "\(dom.stderr)")
            #expect(!dom.stdout.contains("pwned</title>"), "\(page): a script ran")
            #expect(!dom.stdout.contains("<script"), "\(page)")
            #expect(!dom.stdout.contains("<img"), "\(page)")
            #expect(dom.stdout.contains("<table>"), "\(page): real tables")
            #expect(dom.stdout.contains("<caption>"), "\(page): tables have captions")
            if page == "compliance.html" {
                #expect(dom.stdout.contains("c&lt;b&gt;3&lt;/b&gt;"), "the campaign id shows as text")
                #expect(dom.stdout.contains("sensitive_without_consent"))
            }
        }
        // Self-contained: nothing in the page points outside the report folder.
        let html = try w.read("Reports/audit/2026-11-22/executive.html") + w.read("Reports/audit/2026-11-22/compliance.html")
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("<link"))
    }

    @Test("the bundled sample data is exactly what its documented generate command writes")
    func sampleDataIsReproducible() throws {
        let w = try Workspace()
        let result = try runProcess(
            tierwatchBinary,
            ["generate", "--out", w.root + "/sample", "--events", "40000", "--days", "21", "--start", "2026-11-02", "--seed", "2026",
             "--dialect", "vendor", "--invalid-rows", "6", "--gzip"])
        #expect(result.status == 0, "\(result.stderr)")
        let bundled = try w.snapshotAbsolute(packageRoot + "/Jobs/sample-data")
        let fresh = try w.snapshot("sample")
        #expect(Set(bundled.keys) == Set(fresh.keys))
        for (name, data) in fresh { #expect(bundled[name] == data, "\(name) differs from the bundled copy") }
    }

    @Test("the demo runs the example jobs on the bundled data and says where the reports are")
    func demo() throws {
        let w = try Workspace()
        try FileManager.default.removeItem(atPath: w.jobs)
        try w.copy(packageRoot + "/Jobs", to: "Jobs")
        let result = try w.tierwatch(["demo"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Reports/weekly-executive/2026-W47/executive.html"))
        #expect(result.stdout.contains("Reports/daily-consent-audit/2026-11-20/compliance.html"))
        let tiers = try w.read("Reports/weekly-executive/2026-W47/privacy_by_tier.csv")
        for rule in ["after_erasure", "no_consent", "sensitive_without_consent", "category_not_allowed"] {
            #expect(tiers.contains(rule))
        }
        // The sample has a few broken rows on purpose: they are rejected, not dropped.
        let rejected = try w.read("Reports/weekly-executive/2026-W46/rejected.csv")
        #expect(rejected.split(separator: "\r\n").count > 1)
        #expect(try w.tierwatch(["validate"]).status == 0)
    }
}

extension Workspace {
    func snapshotAbsolute(_ path: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for case let relative as String in FileManager.default.enumerator(atPath: path)! {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                result[relative] = FileManager.default.contents(atPath: path + "/" + relative)
            }
        }
        return result
    }
}
