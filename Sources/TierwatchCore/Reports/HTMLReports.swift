/// The executive and compliance pages of a run.
package enum HTMLReports {
    package static func write(_ model: ReportModel, into folder: String) throws(TierwatchError) {
        try AtomicFile.write(executive(model), to: folder + "/executive.html")
        try AtomicFile.write(compliance(model), to: folder + "/compliance.html")
    }

    private static func header(_ model: ReportModel, _ page: inout HTMLPage, title: String) {
        page.element("h1", title)
        page.raw(
            "<p class=\"meta\">\(HTMLPage.escape(model.job.title)) · period \(HTMLPage.escape(model.period.label)) (\(HTMLPage.escape(model.period.timeZoneIdentifier))) · "
                + "<span class=\"status status-\(model.status.rawValue)\">\(HTMLPage.escape(statusText(model.status)))</span></p>\n")
    }

    private static func statusText(_ status: RunStatus) -> String {
        switch status {
        case .success: "Status: OK"
        case .warn: "Status: warnings"
        case .fail: "Status: violations at or above the failure threshold"
        case .error, .running: "Status: error"
        }
    }

    static func executive(_ model: ReportModel) -> String {
        var page = HTMLPage()
        header(model, &page, title: "Personalization pyramid — executive summary")
        let figures = model.figures
        let all = figures.privacyByTier[Tier.allCases.count]
        let engagement = figures.engagement[EngagementAccumulator.allGroup]
        page.element(
            "p",
            "\(engagement.reach) people reached, \(engagement.conversions) conversions, \(all.violations) consent violations in \(all.uses) uses of personal data (consent coverage \(percent(all.checkedUses - all.violatingCheckedUses, all.checkedUses)))."
        )
        var rows: [[String]] = []
        for tier in Tier.allCases.reversed() {
            let e = figures.engagement[tier.rawValue]
            let s = figures.surveys[tier.rawValue]
            let p = figures.privacyByTier[tier.rawValue]
            let (revenue, _) = ReportModel.revenue(e, currencies: figures.currencies, settings: model.job.currency)
            rows.append([
                tier.label, String(e.reach), percent(e.conversions, e.delivered), percent(e.engaged, e.reach),
                revenue.micros.map { FixedPoint.amount($0, storedScale: 6, scale: 2) + " " + revenue.currency } ?? "—",
                FixedPoint.ratio(s.csatSum, s.csatResponses, scale: 2).orDash + " (n=\(s.csatResponses))",
                FixedPoint.ratio(s.promoters - s.detractors, s.npsResponses, times: 100, scale: 0).orDash + " (n=\(s.npsResponses))",
                percent(s.intrusiveYes, s.intrusiveResponses),
                percent(p.checkedUses - p.violatingCheckedUses, p.checkedUses), String(p.violations),
            ])
        }
        page.table(
            caption: "Value, trust and risk per tier (top of the pyramid first)",
            headers: [
                "Tier", "Reach", "Conversion rate", "Engagement rate", "Revenue", "CSAT", "NPS", "Found it intrusive",
                "Consent coverage", "Violations",
            ], rows: rows)
        if !model.warnings.isEmpty {
            page.element("h2", "Data warnings")
            page.raw("<ul>\n")
            for warning in model.warnings { page.element("li", warning) }
            page.raw("</ul>\n")
        }
        page.raw("<p>Figures per campaign: <a href=\"metrics_by_campaign.csv\">metrics_by_campaign.csv</a>. Consent details: <a href=\"compliance.html\">compliance report</a>.</p>\n")
        footer(model, &page)
        return page.document(title: "\(model.job.title) — \(model.period.label)")
    }

    static func compliance(_ model: ReportModel) -> String {
        var page = HTMLPage()
        header(model, &page, title: "Consent cross-check — compliance report")
        let figures = model.figures
        let severities = Severity.allCases.reversed().map { "\($0.name): \(figures.violationsBySeverity[$0] ?? 0)" }
        page.element("p", "\(figures.violations) violations (\(severities.joined(separator: ", "))).")
        let rules = ConsentRule.allCases
        func coverageRow(_ label: String, _ p: PrivacyTotals) -> [String] {
            [label, String(p.uses), String(p.checkedUses), String(p.violatingUses), String(p.violations),
             percent(p.checkedUses - p.violatingCheckedUses, p.checkedUses)]
        }
        let coverageHeaders = ["Uses", "Checked uses", "Violating uses", "Violations", "Consent coverage"]
        page.table(
            caption: "Consent coverage by tier", headers: ["Tier"] + coverageHeaders,
            rows: Tier.allCases.map { coverageRow($0.label, figures.privacyByTier[$0.rawValue]) }
                + [coverageRow("All tiers", figures.privacyByTier[Tier.allCases.count])])
        page.table(
            caption: "Violations by rule and tier", headers: ["Rule", "Severity"] + Tier.allCases.map(\.label) + ["All"],
            rows: rules.map { rule in
                [rule.name, rule.severity.name] + (Tier.allCases.map { figures.privacyByTier[$0.rawValue].byRule[rule.rawValue] }
                    + [figures.privacyByTier[Tier.allCases.count].byRule[rule.rawValue]]).map(String.init)
            }, textColumns: 2)
        let jurisdictions = model.job.policy.jurisdictions
        page.table(
            caption: "Consent coverage by jurisdiction", headers: ["Jurisdiction"] + coverageHeaders,
            rows: jurisdictions.enumerated().map { coverageRow($1.code, figures.privacyByJurisdiction[$0]) })
        page.table(
            caption: "Violations by rule and jurisdiction", headers: ["Rule"] + jurisdictions.map(\.code),
            rows: rules.map { rule in
                [rule.name] + jurisdictions.indices.map { String(figures.privacyByJurisdiction[$0].byRule[rule.rawValue]) }
            })
        let top = figures.violationsByCampaign.sorted { ($1.value, figures.campaignIDs[Int($0.key)]) < ($0.value, figures.campaignIDs[Int($1.key)]) }.prefix(10)
        page.table(
            caption: "Campaigns with the most violations", headers: ["Campaign", "Name", "Violations"],
            rows: top.map { [figures.campaignIDs[Int($0.key)], figures.campaignNames[Int($0.key)] ?? "", String($0.value)] }, textColumns: 2)
        page.element("h2", "Evidence")
        page.raw("<p>The first \(model.job.evidenceRows) violations of each rule; all of them are in <a href=\"violations.csv\">violations.csv</a>. Subjects are pseudonymised.</p>\n")
        for rule in rules {
            guard let rows = figures.evidence[rule], !rows.isEmpty else { continue }
            page.element("h3", "\(rule.name) (\(rule.severity.name))")
            page.element("p", rule.legalBasis)
            page.table(
                caption: "\(rule.name): first \(rows.count) of \(figures.violationMatrix.filter { $0.key.rule == rule }.values.reduce(0, +))",
                headers: ["Event", "Occurred at (UTC)", "Tier", "Jurisdiction", "Campaign", "Purpose", "Subject", "Consent state", "Detail"],
                rows: rows.map { [$0.eventID, $0.occurredAt, $0.tier.name, $0.jurisdiction, $0.campaignID, $0.purpose, $0.subject, $0.state, $0.detail] },
                textColumns: 9)
        }
        let rejected = figures.rejected.values.reduce(0, +)
        page.element("h2", "Input quality")
        page.table(
            caption: "Input files", headers: ["Input", "File", "Rows", "Rejected", "SHA-256"],
            rows: figures.inputs.flatMap { input in
                input.files.map { [input.kind.rawValue, $0.path, String($0.rows), String($0.rejected), $0.sha256] }
            }, textColumns: 2)
        if rejected > 0 {
            page.raw("<p>\(rejected) rejected rows are listed with their reasons in <a href=\"rejected.csv\">rejected.csv</a>.</p>\n")
        }
        footer(model, &page)
        return page.document(title: "\(model.job.title) — compliance — \(model.period.label)")
    }

    private static func footer(_ model: ReportModel, _ page: inout HTMLPage) {
        page.raw("<footer>\n")
        page.element(
            "p",
            "Run \(model.runID) · job \(model.job.id) (sha256 \(model.job.hash.prefix(12))…, policy \(model.policyHash.prefix(12))…) · period \(model.period.label) = \(CivilCalendar.utcString(model.period.start)) to \(CivilCalendar.utcString(model.period.end)) · tierwatch \(model.toolVersion) · generated \(CivilCalendar.utcString(model.generatedAt))"
        )
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
}
