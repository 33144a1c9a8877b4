import Foundation

/// The executive and compliance pages of a run, and what they share: the header and the
/// provenance footer.
package enum HTMLReports {
    package static func write(_ model: ReportModel, into folder: String) throws(TierwatchError) {
        try AtomicFile.write(executive(model), to: folder + "/executive.html")
        try AtomicFile.write(compliance(model), to: folder + "/compliance.html")
    }

    static func executive(_ model: ReportModel) -> String { ExecutivePage.render(model) }

    static func compliance(_ model: ReportModel) -> String { CompliancePage.render(model) }

    static func header(_ model: ReportModel, _ page: inout HTMLPage, title: String) {
        let l = model.labels
        page.element("h1", title)
        page.raw(
            "<p class=\"meta\">\(HTMLPage.escape(model.job.title)) · \(HTMLPage.escape(l.period)) \(HTMLPage.escape(model.period.label)) (\(HTMLPage.escape(model.period.timeZoneIdentifier))) · "
                + "<span class=\"status status-\(model.status.rawValue)\">\(HTMLPage.escape(statusText(model.status, l)))</span></p>\n")
    }

    private static func statusText(_ status: RunStatus, _ l: ReportLabels) -> String {
        switch status {
        case .success: l.statusOK
        case .warn: l.statusWarn
        case .fail: l.statusFail
        case .error, .running: l.statusError
        }
    }

    /// What the report was computed from, so a reader can verify and reproduce it: run id,
    /// period and time zone, every input file with SHA-256 and row counts, job and policy
    /// hash, tool version and when the run id was first generated (UTC).
    static func footer(_ model: ReportModel, _ page: inout HTMLPage) {
        let l = model.labels
        page.raw("<footer>\n")
        page.element("h2", l.provenance)
        page.element(
            "p",
            "\(l.run) \(model.runID) · \(l.period) \(model.period.label) = \(CivilCalendar.utcString(model.period.start)) – \(CivilCalendar.utcString(model.period.end)) (\(l.timezone) \(model.period.timeZoneIdentifier)) · \(l.job) \(model.job.id) sha256 \(model.job.hash) · \(l.policy) sha256 \(model.policyHash) · tierwatch \(model.toolVersion) · \(l.generated) \(CivilCalendar.utcString(model.generatedAt))"
                + (model.shards.map { " · " + ReportLabels.fill(l.mergedShards, String($0)) } ?? "")
        )
        page.table(
            caption: l.inputFiles, headers: [l.input, l.file, l.rows, l.rejected, "SHA-256"],
            rows: model.figures.inputs.flatMap { input in
                input.files.map { [input.kind.rawValue, $0.path, String($0.rows), String($0.rejected), $0.sha256] }
            }, textColumns: 2)
        page.raw("</footer>\n")
    }

    /// A percentage with one decimal, or a dash when the denominator is zero.
    static func percent(_ numerator: Int64, _ denominator: Int64) -> String {
        let text = FixedPoint.ratio(numerator, denominator, times: 100, scale: 1)
        return text.isEmpty ? "—" : text + "%"
    }
}

extension String {
    /// A dash for an empty (undefined) figure.
    var orDash: String { isEmpty ? "—" : self }

    /// The string with the first occurrence of `target` replaced.
    func replacingFirst(_ target: String, _ replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
