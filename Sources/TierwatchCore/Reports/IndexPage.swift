import Foundation

/// `Reports/<job>/index.html`: every period of a job that has a report, newest first.
package enum IndexPage {
    package static func write(jobFolder: String, job: JobDefinition) throws(TierwatchError) {
        struct Entry {
            var folder: String
            var manifest: Manifest?
        }
        let entries = FileTree.list(jobFolder).filter { !$0.hasPrefix(".") && FileTree.isDirectory(jobFolder + "/" + $0) }
            .map { folder -> Entry in
                let data = FileTree.readFile(jobFolder + "/" + folder + "/manifest.json").map { Data($0) }
                return Entry(folder: folder, manifest: data.flatMap { try? JSONDecoder().decode(Manifest.self, from: $0) })
            }
            .sorted { $0.folder > $1.folder }
        var page = HTMLPage()
        page.element("h1", job.title)
        if !job.description.isEmpty { page.element("p", job.description) }
        page.raw("<table>\n<caption>Periods with a report</caption>\n<thead><tr><th scope=\"col\">Period</th><th scope=\"col\">Status</th><th scope=\"col\">Reports</th><th scope=\"col\">Run</th><th scope=\"col\">Generated (UTC)</th></tr></thead>\n<tbody>\n")
        for entry in entries {
            let folder = HTMLPage.escape(entry.folder)
            let failed = entry.folder.hasSuffix(".failed")
            let links = failed
                ? "<a href=\"\(folder)/rejected.csv\">rejected rows</a> · <a href=\"\(folder)/manifest.json\">manifest</a>"
                : "<a href=\"\(folder)/executive.html\">executive</a> · <a href=\"\(folder)/compliance.html\">compliance</a> · <a href=\"\(folder)/manifest.json\">manifest</a>"
            page.raw(
                "<tr><th scope=\"row\">\(folder)</th><td>\(HTMLPage.escape(entry.manifest?.status ?? "unknown"))</td><td>\(links)</td><td>\(HTMLPage.escape(entry.manifest?.runID ?? ""))</td><td>\(HTMLPage.escape(entry.manifest?.generatedAt ?? ""))</td></tr>\n")
        }
        if entries.isEmpty { page.raw("<tr><td colspan=\"5\">No reports yet.</td></tr>\n") }
        page.raw("</tbody>\n</table>\n")
        try AtomicFile.write(page.document(title: "\(job.title) — reports"), to: jobFolder + "/index.html")
    }

    /// `Reports/index.html`: every job with a report folder, its latest period, that run's
    /// status and links. Built from the manifests on disk, so it lists exactly what is there.
    package static func writeRoot(reportsRoot: String) throws(TierwatchError) {
        var page = HTMLPage()
        page.element("h1", "Tierwatch reports")
        page.raw("<table>\n<caption>Jobs and their latest report</caption>\n<thead><tr><th scope=\"col\">Job</th><th scope=\"col\">Latest period</th><th scope=\"col\">Status</th><th scope=\"col\">Reports</th><th scope=\"col\">Run</th><th scope=\"col\">Generated (UTC)</th></tr></thead>\n<tbody>\n")
        var any = false
        for job in FileTree.list(reportsRoot) where !job.hasPrefix(".") && FileTree.isDirectory(reportsRoot + "/" + job) {
            let folders = FileTree.list(reportsRoot + "/" + job).filter {
                !$0.hasPrefix(".") && FileTree.exists(reportsRoot + "/" + job + "/" + $0 + "/manifest.json")
            }
            guard let latest = folders.max() else { continue }
            any = true
            let data = FileTree.readFile(reportsRoot + "/" + job + "/" + latest + "/manifest.json").map { Data($0) }
            let manifest = data.flatMap { try? JSONDecoder().decode(Manifest.self, from: $0) }
            let j = HTMLPage.escape(job), f = HTMLPage.escape(latest)
            let links = latest.hasSuffix(".failed")
                ? "<a href=\"\(j)/\(f)/manifest.json\">failed run</a> · <a href=\"\(j)/index.html\">all periods</a>"
                : "<a href=\"\(j)/\(f)/executive.html\">executive</a> · <a href=\"\(j)/\(f)/compliance.html\">compliance</a> · <a href=\"\(j)/index.html\">all periods</a>"
            page.raw(
                "<tr><th scope=\"row\"><a href=\"\(j)/index.html\">\(j)</a></th><td>\(f)</td><td>\(HTMLPage.escape(manifest?.status ?? "unknown"))</td><td>\(links)</td><td>\(HTMLPage.escape(manifest?.runID ?? ""))</td><td>\(HTMLPage.escape(manifest?.generatedAt ?? ""))</td></tr>\n")
        }
        if !any { page.raw("<tr><td colspan=\"6\">No reports yet.</td></tr>\n") }
        page.raw("</tbody>\n</table>\n")
        try AtomicFile.write(page.document(title: "Tierwatch reports"), to: reportsRoot + "/index.html")
    }
}
