import Foundation
import Testing

/// Headless Chromium as the tests drive it (Debian's `chromium`, installed by `make test`).
enum Chromium {
    static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Flags for every run: headless, and no host name resolves, so neither a page nor the
    /// browser's own background services can reach any network from a test.
    static let isolated = [
        "--headless", "--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND",
        "--disable-background-networking", "--disable-component-update", "--no-first-run",
    ]

    /// Hosts the browser contacts for itself (updates, time, accounts, dictionaries), not for a page.
    static let ownHosts = ["google.com", "googleapis.com", "gstatic.com", "gvt1.com"]

    /// The URLs the browser tried to load while rendering `url`, read from its NetLog,
    /// except the page itself and the browser's own background requests.
    static func requests(loading url: String, workFolder: String) throws -> [String] {
        let chromium = try #require(path, "headless Chromium is needed: make test installs the chromium package")
        let log = workFolder + "/netlog-\(UUID().uuidString).json"
        let result = try runProcess(chromium, isolated + ["--log-net-log=" + log, "--dump-dom", url], timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: log))
        let netlog = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let events = netlog["events"] as? [[String: Any]] ?? []
        var urls: Set<String> = []
        for event in events {
            guard let params = event["params"] as? [String: Any], let requested = params["url"] as? String else { continue }
            guard requested != url, let host = URL(string: requested)?.host ?? (requested.hasPrefix("file:") ? "" : nil) else {
                if requested != url { urls.insert(requested) }
                continue
            }
            if !ownHosts.contains(where: { host == $0 || host.hasSuffix("." + $0) }) { urls.insert(requested) }
        }
        return urls.sorted()
    }
}

@Suite("Reports in a real browser make no network requests")
struct BrowserNetworkTests {
    @Test("executive and compliance pages load nothing but themselves; a page with an external image is caught")
    func noRequests() throws {
        let w = try Workspace()
        try smallDataSet(w, events: cleanEvents, consents: [grantS1], surveys: ["r1,2026-11-22T12:00:00Z,s1,c1,one_to_many,5,9,0"])
        try w.write(Canonical.job(surveys: true), to: "Jobs/audit.json")
        #expect(try w.tierwatch(["run", "audit", "--period", "2026-11-22"]).status == 0)
        for page in ["executive.html", "compliance.html"] {
            let requests = try Chromium.requests(loading: "file://" + w.reports + "/audit/2026-11-22/" + page, workFolder: w.root)
            #expect(requests.isEmpty, "\(page) requested \(requests)")
        }
        // The check can fail: a page that loads an image is caught.
        try w.write("<!DOCTYPE html><html><body><img src=\"http://127.0.0.1:9/pixel.png\" alt=\"\"></body></html>", to: "leak.html")
        let leaked = try Chromium.requests(loading: "file://" + w.root + "/leak.html", workFolder: w.root)
        #expect(leaked == ["http://127.0.0.1:9/pixel.png"])
    }
}
