/// `compliance.html`: violations by rule × jurisdiction × tier as a heat-map table, their
/// trend, the legal basis of each rule, the campaigns with most violations, and evidence.
///
/// Violation counts are counts of uses (events), not of people, and are never suppressed:
/// a compliance officer must be able to account for every one of them.
enum CompliancePage {
    static func render(_ model: ReportModel) -> String {
        let l = model.labels
        let figures = model.figures
        var page = HTMLPage()
        HTMLReports.header(model, &page, title: l.complianceTitle)
        let severities = Severity.allCases.reversed().map { "\($0.name): \(figures.violationsBySeverity[$0] ?? 0)" }
        page.raw("<p class=\"lead\">\(HTMLPage.escape("\(l.violations): \(figures.violations) (\(severities.joined(separator: ", "))).")) ")
        if let perThousand = FixedPoint.ratio(figures.violations * 1000, figures.privacyByTier[Tier.allCases.count].uses, scale: 1).nonEmpty {
            page.raw(HTMLPage.escape("\(l.violationsPer1000): \(perThousand).") + " ")
        }
        page.raw("</p>\n")

        // Trend of the violation count.
        let trends = model.trends
        page.element("h2", l.violationTrend)
        if trends.firstRun {
            page.element("p", l.noHistory, attributes: "class=\"note\"")
        } else {
            let per1000 = trends.headlines.first { $0.figure == .violationsPer1000 }!
            let change = per1000.change(l).map { "\($0.text) (\($0.direction))" } ?? (per1000.previousMissing ? l.noPrevious : "—")
            let spark = Sparkline.svg(trends.violations, title: l.violationTrend, format: { Decimals.fixed($0, scale: 0) }) ?? ""
            page.raw("<p>\(spark) \(HTMLPage.escape("\(l.violationsPer1000): \(change)"))</p>\n")
        }

        heatmap(model, &page)

        // The rules with their legal basis.
        page.element("h2", l.legalBasis)
        let all = figures.privacyByTier[Tier.allCases.count]
        page.markupTable(
            caption: l.legalBasis, headers: [l.rule, l.severity, l.violations, l.legalBasis],
            rows: ConsentRule.allCases.map {
                [$0.name, $0.severity.name, String(all.byRule[$0.rawValue]), $0.legalBasis].map(HTMLPage.escape)
            }, numeric: [2])

        // Both coverage figures: a regulator asks about the uses that needed consent, and
        // about every use of personal data (after_erasure and category rules apply to all).
        func coverageRow(_ label: String, _ p: PrivacyTotals) -> [String] {
            [label, String(p.uses), String(p.checkedUses), String(p.violatingUses), String(p.violations),
             HTMLReports.percent(p.checkedUses - p.violatingCheckedUses, p.checkedUses),
             HTMLReports.percent(p.uses - p.violatingUses, p.uses)]
        }
        let coverageHeaders = [l.uses, l.checkedUses, l.violatingUses, l.violations, l.coverageOfRequired, l.coverageOfAll]
        page.table(
            caption: l.coverageByTier, headers: [l.tier] + coverageHeaders,
            rows: Tier.allCases.map { coverageRow($0.label, figures.privacyByTier[$0.rawValue]) } + [coverageRow(l.allTiers, all)])
        let jurisdictions = model.job.policy.jurisdictions
        page.table(
            caption: l.coverageByJurisdiction, headers: [l.jurisdiction] + coverageHeaders,
            rows: jurisdictions.enumerated().map { coverageRow($1.code, figures.privacyByJurisdiction[$0]) }
                + [coverageRow(l.all, figures.privacyByJurisdiction[jurisdictions.count])])
        let top = figures.violationsByCampaign.sorted {
            ($1.value, figures.campaignIDs[Int($0.key)]) < ($0.value, figures.campaignIDs[Int($1.key)])
        }.prefix(10)
        page.table(
            caption: l.topCampaigns, headers: [l.campaign, l.name, l.violations],
            rows: top.map { [figures.campaignIDs[Int($0.key)], figures.campaignNames[Int($0.key)] ?? "", String($0.value)] }, textColumns: 2)

        page.element("h2", l.evidence)
        page.raw("<p>" + HTMLPage.escape(ReportLabels.fill(l.evidenceIntro, String(model.job.evidenceRows), "violations.csv"))
            .replacingFirst("violations.csv", "<a href=\"violations.csv\">violations.csv</a>") + "</p>\n")
        for rule in ConsentRule.allCases {
            guard let rows = figures.evidence[rule], !rows.isEmpty else { continue }
            page.element("h3", "\(rule.name) (\(rule.severity.name))")
            page.element("p", rule.legalBasis)
            let total = figures.violationMatrix.filter { $0.key.rule == rule }.values.reduce(0, +)
            page.table(
                caption: "\(rule.name): \(ReportLabels.fill(l.firstOf, String(rows.count), String(total)))",
                headers: ["Event", "Occurred at (UTC)", l.tier, l.jurisdiction, l.campaign, "Purpose", "Subject", "Consent state", "Detail"],
                rows: rows.map { [$0.eventID, $0.occurredAt, $0.tier.name, $0.jurisdiction, $0.campaignID, $0.purpose, $0.subject, $0.state, $0.detail] },
                textColumns: 9)
        }
        let rejected = figures.rejected.values.reduce(0, +)
        page.element("h2", l.inputQuality)
        if rejected > 0 {
            page.raw("<p>" + HTMLPage.escape(ReportLabels.fill(l.rejectedRows, String(rejected), "rejected.csv"))
                .replacingFirst("rejected.csv", "<a href=\"rejected.csv\">rejected.csv</a>") + "</p>\n")
        } else {
            page.element("p", "\(l.rejected): 0")
        }
        refusedSignals(model, &page)
        HTMLReports.footer(model, &page)
        return page.document(title: "\(model.job.title) — compliance — \(model.period.label)", language: model.job.language.rawValue)
    }

    /// Consents rows whose signal was refused, per column and reason: a CMP emitting
    /// invalid strings (or TCF 2.2 strings claiming legitimate interest it may not) is a
    /// finding of its own, not only an input-quality figure.
    private static func refusedSignals(_ model: ReportModel, _ page: inout HTMLPage) {
        let refused = model.figures.refusedSignals
        guard !refused.isEmpty else { return }
        let l = model.labels
        let total = refused.values.reduce(0, +)
        page.raw("<p>" + HTMLPage.escape(ReportLabels.fill(l.refusedSignals, String(total), "rejected.csv"))
            .replacingFirst("rejected.csv", "<a href=\"rejected.csv\">rejected.csv</a>") + "</p>\n")
        page.table(
            caption: "\(l.signalColumn) × \(l.signalReason)",
            headers: [l.signalColumn, l.signalReason, l.rows],
            rows: refused.keys.sorted().map { [$0.column, $0.reason.rawValue, String(refused[$0]!)] }, textColumns: 2)
    }

    /// Rule × jurisdiction rows (those with a violation), tier columns; the shade repeats
    /// the number written in the cell, in five steps relative to the largest cell.
    private static func heatmap(_ model: ReportModel, _ page: inout HTMLPage) {
        let l = model.labels
        let figures = model.figures
        let jurisdictions = model.job.policy.jurisdictions
        var rows: [(rule: ConsentRule, jurisdiction: Int, counts: [Int64])] = []
        for rule in ConsentRule.allCases {
            for index in jurisdictions.indices {
                let counts = Tier.allCases.map {
                    figures.violationMatrix[ViolationLog.MatrixKey(rule: rule, tier: $0, jurisdiction: index)] ?? 0
                }
                if counts.contains(where: { $0 > 0 }) { rows.append((rule, index, counts)) }
            }
        }
        let largest = max(rows.flatMap(\.counts).max() ?? 0, 1)
        func shade(_ n: Int64) -> Int { n == 0 ? 0 : Int(min(4, 1 + (n * 4 - 1) / largest)) }
        page.element("h2", l.violationsByRule)
        var html = "<table class=\"heat\">\n<caption>\(HTMLPage.escape(l.heatmapCaption))</caption>\n<thead><tr>"
        for header in [l.rule, l.severity, l.jurisdiction] + Tier.allCases.map(\.label) + [l.all] {
            html += "<th scope=\"col\">\(HTMLPage.escape(header))</th>"
        }
        html += "</tr></thead>\n<tbody>\n"
        for row in rows {
            html += "<tr><th scope=\"row\">\(HTMLPage.escape(row.rule.name))</th><td>\(HTMLPage.escape(row.rule.severity.name))</td>"
            html += "<td>\(HTMLPage.escape(jurisdictions[row.jurisdiction].code))</td>"
            for count in row.counts { html += "<td class=\"n h\(shade(count))\">\(count)</td>" }
            html += "<td class=\"n\">\(row.counts.reduce(0, +))</td></tr>\n"
        }
        if rows.isEmpty { html += "<tr><td colspan=\"\(4 + Tier.allCases.count)\">\(HTMLPage.escape(l.none))</td></tr>\n" }
        page.raw(html + "</tbody>\n</table>\n")
    }
}

extension String {
    /// nil for "" (an undefined figure).
    var nonEmpty: String? { isEmpty ? nil : self }
}
