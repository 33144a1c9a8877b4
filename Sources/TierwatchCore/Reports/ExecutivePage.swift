/// `executive.html`: the pyramid first, then value, trust and risk per tier in numbers and
/// in one sentence each, the trends, and the uplift statistics behind the lift figures.
enum ExecutivePage {
    static func render(_ model: ReportModel) -> String {
        let l = model.labels
        let figures = model.figures
        let hidden = model.suppression
        let uplift = UpliftReport(figures: figures, job: model.job, suppression: hidden)
        let trends = model.trends
        var page = HTMLPage()
        HTMLReports.header(model, &page, title: l.executiveTitle)

        // The one-sentence summary of the whole period.
        let all = figures.privacyByTier[Tier.allCases.count]
        let engagement = figures.engagement[EngagementAccumulator.allGroup]
        let reachText = hidden.tierReach[Tier.allCases.count] || hidden.tierRows[Tier.allCases.count] ? hidden.marker : String(engagement.reach)
        page.raw("<p class=\"lead\">" + HTMLPage.escape(ReportLabels.fill(
            l.totalsSentence, reachText, hidden.tierRows[Tier.allCases.count] ? hidden.marker : String(engagement.conversions),
            String(all.violations), String(all.uses), HTMLReports.percent(all.checkedUses - all.violatingCheckedUses, all.checkedUses)))
            + "</p>\n")

        // The pyramid.
        let tiers = Tier.allCases.reversed()
        let cells = Dictionary(uniqueKeysWithValues: Tier.allCases.map { ($0, TierCells(model, $0, uplift.tiers[$0.rawValue], hidden)) })
        page.element("h2", l.pyramid)
        let levels = tiers.map { tier -> PyramidLevel in
            let c = cells[tier]!
            return PyramidLevel(
                tier: tier, risk: c.risk,
                lines: [
                    "\(l.reach) \(c.reach) · \(l.converted) \(c.converted) · \(l.liftShort): \(c.liftShort)",
                    "CSAT \(c.csat) · \(l.coverage) \(c.coverage) · \(l.risk): \(c.risk.label(l))",
                ])
        }
        let description = l.pyramidDescription + " " + levels.map { "\($0.tier.label): " + $0.lines.joined(separator: "; ") }.joined(separator: ". ") + "."
        page.raw(PyramidSVG.svg(levels, title: l.pyramid + " — " + model.period.label, description: description, labels: l))

        // One sentence per tier.
        page.element("h2", l.headlines)
        page.raw("<ul class=\"headlines\">\n")
        for tier in tiers { page.element("li", cells[tier]!.headline(l, tier)) }
        page.raw("</ul>\n")

        // Value, trust and risk side by side.
        page.markupTable(
            caption: l.valueTrustRiskCaption,
            headers: [l.tier, l.reach, l.converted, l.control, l.lift, l.csat, l.nps, l.intrusive, l.coverage, l.violationsPer1000, l.risk],
            rows: tiers.map { tier in
                let c = cells[tier]!
                return [tier.label, c.reach, c.converted, c.controlRate, c.liftLong, c.csatWithN, c.npsWithN, c.intrusiveWithN,
                        c.coverage, c.perThousand].map(HTMLPage.escape) + ["<span class=\"risk risk-\(c.risk.name)\">\(HTMLPage.escape(c.risk.label(l)))</span>"]
            }, numeric: Set(1...9))

        trendsSection(trends, model, &page)
        upliftSection(uplift, model, &page)

        if hidden.k > 1 { page.raw("<p class=\"note\">\(HTMLPage.escape(ReportLabels.fill(l.suppressedNote, String(hidden.k))))</p>\n") }
        if !model.warnings.isEmpty {
            page.element("h2", l.dataWarnings)
            page.raw("<ul>\n")
            for warning in model.warnings { page.element("li", warning) }
            page.raw("</ul>\n")
        }
        page.raw("<p>\(HTMLPage.escape(l.campaignFiguresLink)): <a href=\"metrics_by_campaign.csv\">metrics_by_campaign.csv</a>, <a href=\"uplift.csv\">uplift.csv</a>. <a href=\"compliance.html\">\(HTMLPage.escape(l.complianceLink))</a>.</p>\n")
        HTMLReports.footer(model, &page)
        return page.document(title: "\(model.job.title) — \(model.period.label)", language: model.job.language.rawValue)
    }

    private static func trendsSection(_ trends: TrendReport, _ model: ReportModel, _ page: inout HTMLPage) {
        let l = model.labels
        page.element("h2", l.trends)
        if trends.firstRun { page.element("p", l.noHistory, attributes: "class=\"note\"") }
        let rows = trends.headlines.map { trend -> [String] in
            let label = trend.figure.label(l)
            let current = trend.current.map(trend.figure.format) ?? "—"
            let previous: String
            let change: String
            if trends.firstRun {
                previous = HTMLPage.escape(l.noHistory)
                change = HTMLPage.escape(l.noHistory)
            } else if trend.previousMissing {
                previous = HTMLPage.escape(l.noPrevious)
                change = "—"
            } else {
                previous = HTMLPage.escape(trend.previous.map(trend.figure.format) ?? "—")
                if let delta = trend.change(l) {
                    let tone = delta.good.map { $0 ? " class=\"good\"" : " class=\"bad\"" } ?? ""
                    change = "<span\(tone)>\(HTMLPage.escape(delta.text))</span> <span class=\"note\">(\(HTMLPage.escape(delta.direction)))</span>"
                } else {
                    change = "—"
                }
            }
            let spark = Sparkline.svg(trend.series, title: "\(label): \(l.lastPeriods)", format: trend.figure.format)
                ?? HTMLPage.escape(trends.firstRun ? l.noHistory : "—")
            return [HTMLPage.escape(label), HTMLPage.escape(current), previous, change, spark]
        }
        page.markupTable(
            caption: l.trendsCaption, headers: [l.figure, l.thisPeriod, l.previousPeriod, l.change, l.lastPeriods], rows: rows,
            numeric: [1, 2, 3])
    }

    private static func upliftSection(_ uplift: UpliftReport, _ model: ReportModel, _ page: inout HTMLPage) {
        let l = model.labels
        let marker = model.suppression.marker
        page.element("h2", l.upliftTitle)
        page.element(
            "p", ReportLabels.fill(l.upliftExplanation, String(model.job.minimumGroupSize), String(max(model.suppression.k, 1))),
            attributes: "class=\"note\"")
        if uplift.testedTiers > 1 { page.element("p", ReportLabels.fill(l.benjaminiHochberg, String(uplift.testedTiers))) }
        func srm(_ row: UpliftRow) -> String {
            guard let share = model.job.expectedHoldoutShare else { return HTMLPage.escape(l.sampleRatioNotChecked) }
            guard let check = row.sampleRatio else { return "—" }
            if check.mismatch {
                return "<span class=\"flag\">⚠ \(HTMLPage.escape(ReportLabels.fill(l.sampleRatioMismatch, Decimals.fixed(share * 100, scale: 1))))</span> (χ² \(Decimals.fixed(check.chiSquare, scale: 1)), p \(Decimals.pValue(check.pValue)))"
            }
            return HTMLPage.escape("\(l.sampleRatioOK) (p \(Decimals.pValue(check.pValue)))")
        }
        func cells(_ head: String, _ row: UpliftRow) -> [String] {
            let c = row.counts
            if row.suppressed { return [head] + Array(repeating: HTMLPage.escape(marker), count: 7) + [srm(row)] }
            let treated = row.treatedHidden ? marker : String(c.treated)
            let control = row.controlHidden ? marker : String(c.control)
            let pt = row.treatedConvertersHidden ? marker : HTMLReports.percent(c.treatedConverters, c.treated)
            let pc = row.controlConvertersHidden ? marker : HTMLReports.percent(c.controlConverters, c.control)
            guard let e = row.estimate else {
                return [head] + [treated, pt, control, pc, l.notEnoughData, "—", "—"].map(HTMLPage.escape) + [srm(row)]
            }
            let interval = "\(Decimals.signedPercent(e.lift)) (\(Decimals.signedPercent(e.lower)) … \(Decimals.signedPercent(e.upper)))"
            let verdict = row.discovery ? "✔ " + l.significant : l.notSignificant
            return [head] + [treated, pt, control, pc, interval, Decimals.pValue(e.pValue),
                             (row.qValue.map(Decimals.pValue) ?? "—") + " " + verdict].map(HTMLPage.escape) + [srm(row)]
        }
        let headers = [l.tier, l.treated, l.converted, l.controlGroup, l.control, l.lift, "p", "q (BH)", l.sampleRatio]
        page.markupTable(
            caption: l.upliftCaption, headers: headers,
            rows: Tier.allCases.reversed().map { cells(HTMLPage.escape($0.label), uplift.tiers[$0.rawValue]) }, numeric: Set(1...7))
        let campaigns = model.campaignOrder.filter { uplift.campaigns[$0] != nil }
        if !campaigns.isEmpty {
            let shown = campaigns.prefix(20)
            page.markupTable(
                caption: "\(l.upliftTitle): \(l.campaign) (\(shown.count)/\(campaigns.count), uplift.csv)", headers: [l.campaign] + headers.dropFirst(),
                rows: shown.map { cells(HTMLPage.escape(model.figures.campaignIDs[$0]), uplift.campaigns[$0]!) }, numeric: Set(1...7))
        }
    }
}

/// One tier's figures as the executive page prints them, suppression applied.
private struct TierCells {
    var reach, converted, controlRate, liftShort, liftLong, csat, csatWithN, npsWithN, intrusiveWithN, coverage, perThousand: String
    var risk: RiskLevel
    var row: UpliftRow
    var intrusiveShare: String?
    var violatingUses: Int64

    init(_ model: ReportModel, _ tier: Tier, _ row: UpliftRow, _ hidden: Suppression) {
        let l = model.labels
        let i = tier.rawValue
        let e = model.figures.engagement[i], s = model.figures.surveys[i], p = model.figures.privacyByTier[i]
        let marker = hidden.marker
        self.row = row
        reach = hidden.tierRows[i] || hidden.tierReach[i] ? marker : String(e.reach)
        converted = row.treatedConvertersHidden || row.treatedHidden ? marker : HTMLReports.percent(e.treatedConverters, e.reach)
        controlRate = row.controlConvertersHidden || row.controlHidden ? marker : HTMLReports.percent(e.controlConverters, e.controlSubjects)
        if let estimate = row.estimate {
            liftShort = Decimals.signedPercent(estimate.lift)
            liftLong = "\(Decimals.signedPercent(estimate.lift)) (\(Decimals.signedPercent(estimate.lower)) … \(Decimals.signedPercent(estimate.upper)))"
        } else {
            liftShort = l.notEnoughData
            liftLong = l.notEnoughData
        }
        let surveyHidden = hidden.surveyRows[i]
        csat = surveyHidden || hidden.surveyCSAT[i] ? marker : FixedPoint.ratio(s.csatSum, s.csatResponses, scale: 2).orDash
        csatWithN = surveyHidden || hidden.surveyCSAT[i] ? marker : csat + " (n=\(s.csatResponses))"
        npsWithN = surveyHidden || hidden.surveyNPS[i] ? marker
            : FixedPoint.ratio(s.promoters - s.detractors, s.npsResponses, times: 100, scale: 0).orDash + " (n=\(s.npsResponses))"
        if surveyHidden || hidden.surveyIntrusive[i] {
            intrusiveWithN = marker
            intrusiveShare = nil
        } else {
            let share = HTMLReports.percent(s.intrusiveYes, s.intrusiveResponses)
            intrusiveWithN = share + " (n=\(s.intrusiveResponses))"
            intrusiveShare = s.intrusiveResponses > 0 ? share : nil
        }
        coverage = HTMLReports.percent(p.checkedUses - p.violatingCheckedUses, p.checkedUses)
        perThousand = FixedPoint.ratio(p.violations * 1000, p.uses, scale: 1).orDash
        let critical = model.figures.violationMatrix.filter { $0.key.tier == tier && $0.key.rule.severity == .critical }.values.reduce(0, +)
        risk = RiskLevel.of(p, critical: critical)
        violatingUses = p.violatingUses
    }

    /// "1:Few converts +38.1% better than control (95% CI …); 4.1% of respondents found it
    /// intrusive; 12 uses broke a consent rule."
    func headline(_ l: ReportLabels, _ tier: Tier) -> String {
        var parts: [String] = []
        if let e = row.estimate {
            let template = e.lift >= 0 ? l.headlineLift : l.headlineLiftWorse
            parts.append(ReportLabels.fill(
                template, tier.label, Decimals.fixed(abs(e.lift) * 100, scale: 1) + "%", Decimals.signedPercent(e.lower),
                Decimals.signedPercent(e.upper)))
        } else {
            parts.append(ReportLabels.fill(l.headlineNoLift, tier.label))
        }
        if let intrusiveShare { parts.append(ReportLabels.fill(l.headlineIntrusive, intrusiveShare)) }
        parts.append(violatingUses > 0 ? ReportLabels.fill(l.headlineViolations, String(violatingUses)) : l.headlineNoViolations)
        return parts.joined(separator: "; ") + "."
    }
}
