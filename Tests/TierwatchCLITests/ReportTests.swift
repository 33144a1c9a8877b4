import Foundation
import Testing

/// A day (2026-11-22) built to leak: 1:Few has 3 people, the other tiers many, so `all`
/// minus the visible tiers would give 1:Few away without complementary suppression.
func leakyDataSet(_ w: Workspace, day: String = "2026-11-22", extraMany: Int = 0) throws {
    var events: [String] = []
    var n = 0
    func add(_ subject: String, _ campaign: String, _ tier: String, _ type: String, revenue: String = "", currency: String = "") {
        n += 1
        events.append("\(day)-\(n),\(day)T09:\(String(format: "%02d", n % 60)):00Z,\(subject),\(campaign),Name \(campaign),\(tier),email,\(type),\(revenue),\(currency),device,personalization,US-other")
    }
    for i in 1...(20 + extraMany) {
        add("m\(i)", "cMany", "one_to_many", "delivered")
        if i % 2 == 0 { add("m\(i)", "cMany", "one_to_many", "open") }
        if i % 4 == 0 { add("m\(i)", "cMany", "one_to_many", "conversion", revenue: "10.00", currency: "EUR") }
    }
    for i in 1...3 {
        add("f\(i)", "cFew", "one_to_few", "delivered")
        if i <= 2 { add("f\(i)", "cFew", "one_to_few", "open") }
    }
    add("f1", "cFew", "one_to_few", "conversion", revenue: "99.00", currency: "EUR")
    for i in 1...12 {
        add("o\(i)", "cOne", "one_to_one", "delivered")
        add("o\(i)", "cOne", "one_to_one", "click")
    }
    var surveys: [String] = []
    for (tier, count) in [("one_to_many", 10), ("one_to_few", 2), ("one_to_one", 8)] {
        for i in 1...count {
            surveys.append("r-\(tier)-\(i),\(day)T12:00:00Z,,,\(tier),\(1 + i % 5),\(i % 11),\(i % 2)")
        }
    }
    try smallDataSet(w, events: events, surveys: surveys)
}

/// Reads a CSV written by Tierwatch (CRLF, no quoted commas in these files) into rows of cells.
func csvRows(_ text: String) -> [[String]] {
    text.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
}

@Suite("Executive and compliance reports", .serialized)
struct ReportTests {
    /// What an attacker does with a published table: for every column, total minus the
    /// visible parts. Returns the (column, row) cells recovered that way.
    static func recoverable(_ rows: [[String]], marker: String = "<5") -> [(String, String)] {
        let header = rows[0]
        let parts = rows.dropFirst().filter { $0[0] != "all" }
        guard let total = rows.first(where: { $0[0] == "all" }) else { return [] }
        var leaks: [(String, String)] = []
        for column in 1..<header.count {
            let hidden = parts.filter { $0[column] == marker }
            guard hidden.count == 1, let all = Int(total[column]) else { continue }
            let visible = parts.filter { $0[column] != marker }.compactMap { Int($0[column]) }.reduce(0, +)
            leaks.append((header[column], "\(hidden[0][0]) = \(all - visible)"))
        }
        return leaks
    }

    @Test("suppression holds on a fixture built to leak: no hidden cell can be worked back from the `all` row")
    func suppressionAgainstAttacker() throws {
        let w = try Workspace()
        try leakyDataSet(w)
        try w.write(Canonical.job(extra: #""fail_on": "never""#, consents: false, surveys: true), to: "Jobs/leak.json")
        #expect(try w.tierwatch(["run", "leak", "--period", "2026-11-22"]).status == 0)
        let folder = "Reports/leak/2026-11-22/"
        let tiers = csvRows(try w.read(folder + "metrics_by_tier.csv"))
        let few = try #require(tiers.first { $0[0] == "one_to_few" })
        #expect(few.dropFirst().allSatisfy { $0 == "<5" || $0 == "" }, "1:Few describes 3 people: \(few)")
        #expect(!few.contains("99.00"), "revenue of one person")
        let leaks = Self.recoverable(tiers)
        #expect(leaks.isEmpty, "recovered from metrics_by_tier.csv: \(leaks)")
        let surveys = csvRows(try w.read(folder + "surveys_by_tier.csv"))
        #expect(surveys.first { $0[0] == "one_to_few" }?.dropFirst().allSatisfy { $0 == "<5" } == true)
        #expect(Self.recoverable(surveys).isEmpty, "recovered from surveys_by_tier.csv: \(Self.recoverable(surveys))")
        // The campaign of those 3 people is hidden too, and so is its uplift row.
        let campaigns = csvRows(try w.read(folder + "metrics_by_campaign.csv"))
        #expect(campaigns.first { $0[0] == "cFew" }?.dropFirst(3).allSatisfy { $0 == "<5" || $0 == "" } == true)
        // The HTML says the same.
        let html = try w.read(folder + "executive.html")
        #expect(html.contains("<tr><th scope=\"row\">1:Few</th><td class=\"n\">&lt;5</td>"), "reach of 1:Few hidden in the table")
        #expect(html.contains("shown as “&lt;5”"))
        // With small_cell_k 0 the exact figures are back: the hidden value really was 3.
        try w.write(Canonical.job(extra: #""fail_on": "never", "outputs": {"small_cell_k": 0}"#, consents: false, surveys: true), to: "Jobs/exact.json")
        #expect(try w.tierwatch(["run", "exact", "--period", "2026-11-22"]).status == 0)
        let exact = csvRows(try w.read("Reports/exact/2026-11-22/metrics_by_tier.csv"))
        #expect(exact.first { $0[0] == "one_to_few" }?[8] == "3")
    }

    @Test("a first run says 'no history yet'; the next period shows change and sparklines; reruns stay byte-identical")
    func trends() throws {
        let w = try Workspace()
        try leakyDataSet(w, day: "2026-11-21")
        let first = try w.read("Jobs/data/events.csv")
        try leakyDataSet(w, day: "2026-11-22", extraMany: 20)
        let second = try w.read("Jobs/data/events.csv")
        try w.write(first + second.split(separator: "\n").dropFirst().joined(separator: "\n") + "\n", to: "Jobs/data/events.csv")
        try w.write(Canonical.job(extra: #""fail_on": "never", "outputs": {"small_cell_k": 0}"#, consents: false), to: "Jobs/t.json")
        #expect(try w.tierwatch(["run", "t", "--period", "2026-11-21"]).status == 0)
        let day1 = try w.read("Reports/t/2026-11-21/executive.html")
        #expect(day1.contains("no history yet"))
        #expect(!day1.contains("class=\"spark\""), "no sparkline without history")
        #expect(!day1.contains("▲") && !day1.contains("▼"), "no fake change against zero")

        #expect(try w.tierwatch(["run", "t", "--period", "2026-11-22"]).status == 0)
        let day2 = try w.read("Reports/t/2026-11-22/executive.html")
        #expect(!day2.contains("no history yet"))
        // Reach went from 35 to 55 people: +57.1%.
        #expect(day2.contains("<th scope=\"row\">Reach</th><td class=\"n\">55</td><td class=\"n\">35</td><td class=\"n\"><span class=\"good\">▲ +57.1%</span>"), "\(day2)")
        #expect(day2.contains("<svg class=\"spark\" role=\"img\""))
        #expect(day2.contains("<desc>35, 55</desc>"))

        // Reruns: the same bytes, whatever ran in between and whenever.
        let later = ["TIERWATCH_PSEUDONYM_KEY": "test-key", "TIERWATCH_NOW": "2027-03-01T00:00:00Z"]
        #expect(try w.tierwatch(["run", "t", "--period", "2026-11-22"], environment: later).status == 0)
        #expect(try w.read("Reports/t/2026-11-22/executive.html") == day2)
        #expect(try w.tierwatch(["run", "t", "--period", "2026-11-21"], environment: later).status == 0)
        #expect(try w.read("Reports/t/2026-11-21/executive.html") == day1, "a later period never changes an earlier report")
    }

    static let languages: [(String, String, String)] = [
        ("en", "Personalization pyramid — executive summary", "Consent cross-check — compliance report"),
        ("sv", "Personaliseringspyramiden — sammanfattning för ledningen", "Samtyckeskontroll — efterlevnadsrapport"),
        ("ru", "Пирамида персонализации — сводка для руководства", "Проверка согласий — отчёт о соответствии"),
    ]

    @Test("each report language renders in headless Chromium: UTF-8 text, no console errors, a non-blank page", arguments: languages)
    func rendersInBrowser(_ language: String, _ executiveTitle: String, _ complianceTitle: String) throws {
        let chromium = try #require(RobustnessTests.chromium, "headless Chromium is needed: make test installs the chromium package")
        let w = try Workspace()
        try leakyDataSet(w)
        try w.write(
            Canonical.job(extra: #""fail_on": "never", "outputs": {"language": "\#(language)"}"#, consents: false, surveys: true),
            to: "Jobs/lang.json")
        #expect(try w.tierwatch(["run", "lang", "--period", "2026-11-22"]).status == 0)
        for (page, title) in [("executive.html", executiveTitle), ("compliance.html", complianceTitle)] {
            let url = "file://" + w.reports + "/lang/2026-11-22/" + page
            let dom = try runProcess(
                chromium, Chromium.isolated + ["--enable-logging=stderr", "--v=0", "--dump-dom", url],
                timeout: 120)
            #expect(dom.status == 0)
            #expect(dom.stdout.contains("<html lang=\"\(language)\">"), "\(page)")
            #expect(dom.stdout.contains("<h1>\(title)</h1>"), "\(page) in \(language)")
            #expect(!dom.stderr.contains("CONSOLE"), "\(page): console messages: \(dom.stderr)")
            if page == "executive.html" {
                #expect(dom.stdout.contains("<svg class=\"pyramid\" role=\"img\""))
                #expect(dom.stdout.contains("<title id=\"pyramid-title\">"), "the pyramid has a text alternative")
            }
            let png = w.root + "/\(language)-\(page).png"
            let shot = try runProcess(
                chromium, Chromium.isolated + ["--hide-scrollbars", "--window-size=1200,1600", "--screenshot=" + png, url],
                timeout: 120)
            #expect(shot.status == 0, "\(shot.stderr)")
            let stats = try runProcess("/usr/bin/env", ["python3", packageRoot + "/Tests/Support/png_stats.py", png])
            let fields = stats.stdout.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            #expect(fields.count == 4 && fields[2] > 20 && fields[3] > 0.02, "\(page) looks blank: \(stats.stdout)\(stats.stderr)")
        }
    }

    @Test("hostile campaign ids and names render as text in the uplift and compliance tables, and are neutralised in CSV")
    func hostileInput() throws {
        let w = try Workspace()
        let hostile = "<script>alert(1)</script>"
        let formula = "=HYPERLINK(\"http://evil.example\",\"x\")"
        var events: [String] = []
        for i in 1...12 {
            events.append("h\(i),2026-11-22T08:00:00Z,s\(i),\"\(hostile)\",\"\(formula.replacingOccurrences(of: "\"", with: "\"\""))\",one_to_one,email,\(i <= 6 ? "delivered" : "holdout"),,,health,personalization,EU")
        }
        try smallDataSet(w, events: events)
        try w.write(Canonical.job(extra: #""fail_on": "never", "expected_holdout_share": 0.5"#), to: "Jobs/h.json")
        #expect(try w.tierwatch(["run", "h", "--period", "2026-11-22"]).status == 1)
        let executive = try w.read("Reports/h/2026-11-22/executive.html")
        let compliance = try w.read("Reports/h/2026-11-22/compliance.html")
        for html in [executive, compliance] {
            #expect(!html.contains("<script"))
            #expect(!html.contains("href=\"http") && !html.contains("src="), "no link or asset outside the report folder")
        }
        #expect(executive.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the campaign id is in the uplift table, as text")
        #expect(compliance.contains("<td>=HYPERLINK(&quot;http://evil.example&quot;,&quot;x&quot;)</td>"), "the name is plain text")
        let csv = try w.read("Reports/h/2026-11-22/metrics_by_campaign.csv")
        #expect(csv.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\""), "\(csv)")
    }

    @Test("Reports/index.html lists every job with its latest period, status and links")
    func rootIndex() throws {
        let w = try Workspace()
        try leakyDataSet(w, day: "2026-11-21")
        try w.write(Canonical.job(extra: #""fail_on": "never""#, consents: false), to: "Jobs/alpha.json")
        try w.write(Canonical.job(extra: #""fail_on": "never""#, consents: false), to: "Jobs/beta.json")
        #expect(try w.tierwatch(["run", "alpha", "--period", "2026-11-20"]).status == 0)
        #expect(try w.tierwatch(["run", "alpha", "--period", "2026-11-21"]).status == 0)
        #expect(try w.tierwatch(["run", "beta", "--period", "2026-11-21"]).status == 0)
        let index = try w.read("Reports/index.html")
        #expect(index.contains("<tr><th scope=\"row\"><a href=\"alpha/index.html\">alpha</a></th><td>2026-11-21</td><td>success</td><td><a href=\"alpha/2026-11-21/executive.html\">executive</a>"), "\(index)")
        #expect(index.contains("<a href=\"beta/index.html\">beta</a>"))
        #expect(!index.contains("<td>2026-11-20</td>"), "only the latest period per job")
    }

    /// Golden files pin the HTML so changes are deliberate. Re-record with
    /// `TIERWATCH_RECORD_GOLDEN=1 swift test --filter goldenHTML`.
    @Test("the executive and compliance HTML of a fixed data set match their golden files")
    func goldenHTML() throws {
        let w = try Workspace()
        try leakyDataSet(w)
        try w.write(Canonical.job(extra: #""fail_on": "never", "expected_holdout_share": 0.1"#, consents: false, surveys: true), to: "Jobs/golden.json")
        #expect(try w.tierwatch(["run", "golden", "--period", "2026-11-22", "--now", "2026-11-23T06:00:00Z"]).status == 0)
        let goldenFolder = packageRoot + "/Tests/TierwatchCLITests/Fixtures/golden/"
        for page in ["executive.html", "compliance.html"] {
            let actual = try w.read("Reports/golden/2026-11-22/" + page)
            if ProcessInfo.processInfo.environment["TIERWATCH_RECORD_GOLDEN"] == "1" {
                try FileManager.default.createDirectory(atPath: goldenFolder, withIntermediateDirectories: true)
                try actual.write(toFile: goldenFolder + page, atomically: true, encoding: .utf8)
            }
            let expected = try String(contentsOfFile: goldenFolder + page, encoding: .utf8)
            #expect(actual == expected, "\(page) differs from its golden file; re-record with TIERWATCH_RECORD_GOLDEN=1 if the change is deliberate")
        }
    }
}
