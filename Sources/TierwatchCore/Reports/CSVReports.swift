/// Writes the figure CSVs of a run from its `ReportModel`.
package enum CSVReports {
    package static let upliftColumns = [
        "group", "id", "treated", "treated_converters", "treated_rate", "control", "control_converters", "control_rate",
        "relative_lift", "lift_ci_low", "lift_ci_high", "p_value", "q_value", "srm_chi_square", "srm_p_value", "srm_mismatch",
    ]

    package static func write(_ model: ReportModel, into folder: String) throws(TierwatchError) {
        let figures = model.figures
        let hidden = model.suppression
        let marker = hidden.marker
        func writeFile(_ path: String, header: [String], rows: [[CSVCell]]) throws(TierwatchError) {
            let name = String(path.split(separator: "/").last!)
            let writer = try CSVWriter(path: path, header: header, mode: model.job.csvMode(for: name))
            for row in rows { try writer.write(row) }
            try writer.close()
        }
        try writeFile(folder + "/metrics_by_tier.csv", header: ["tier"] + ReportModel.metricColumns,
            rows: model.tierKeys.enumerated().map { index, key in
                [.plain(key)] + model.metricCells(
                    figures.engagement[index], hiddenRow: hidden.tierRows[index], hiddenReach: hidden.tierReach[index], hiddenEngaged: hidden.tierEngaged[index],
                    marker: marker)
            })
        try writeFile(
            folder + "/metrics_by_campaign.csv", header: ["campaign_id", "campaign_name", "tier"] + ReportModel.metricColumns,
            rows: model.campaignOrder.map { index in
                [.text(figures.campaignIDs[index]), .text(figures.campaignNames[index] ?? ""), .plain(model.campaignTierText(index))]
                    + model.metricCells(
                        figures.engagement[EngagementAccumulator.group(campaign: Int32(index))],
                        hiddenRow: hidden.campaignRows.contains(index), hiddenReach: hidden.campaignReach.contains(index),
                        hiddenEngaged: hidden.campaignEngaged.contains(index),
                        marker: marker)
            })
        try writeFile(folder + "/surveys_by_tier.csv", header: ReportModel.surveyColumns,
            rows: model.tierKeys.enumerated().map { index, key in
                [.plain(key)] + model.surveyCells(figures.surveys[index], row: index, suppression: hidden)
            })
        try writeFile(folder + "/privacy_by_tier.csv", header: ["tier"] + ReportModel.privacyColumns,
            rows: model.tierKeys.enumerated().map { index, key in [.plain(key)] + model.privacyCells(figures.privacyByTier[index]) })
        try writeFile(folder + "/privacy_by_jurisdiction.csv", header: ["jurisdiction"] + ReportModel.privacyColumns,
            rows: model.jurisdictionKeys.enumerated().map { index, key in
                [.text(key)] + model.privacyCells(figures.privacyByJurisdiction[index])
            })
        let uplift = UpliftReport(figures: figures, job: model.job, suppression: hidden)
        var upliftRows = Tier.allCases.map { tier in
            [CSVCell.plain("tier"), .plain(tier.name)] + upliftCells(uplift.tiers[tier.rawValue], marker: marker)
        }
        for index in model.campaignOrder {
            guard let row = uplift.campaigns[index] else { continue }
            upliftRows.append([.plain("campaign"), .text(figures.campaignIDs[index])] + upliftCells(row, marker: marker))
        }
        try writeFile(folder + "/uplift.csv", header: upliftColumns, rows: upliftRows)
    }

    /// The cells of one `uplift.csv` row after `group, id`.
    static func upliftCells(_ row: UpliftRow, marker: String) -> [CSVCell] {
        let c = row.counts
        if row.suppressed { return Array(repeating: .plain(marker), count: upliftColumns.count - 2) }
        func count(_ n: Int64, hidden: Bool) -> CSVCell { .plain(hidden ? marker : String(n)) }
        func rate(_ x: Int64, _ n: Int64, hidden: Bool) -> CSVCell { .plain(hidden ? marker : FixedPoint.ratio(x, n, scale: 6)) }
        let e = row.estimate
        let srm = row.sampleRatio
        return [
            count(c.treated, hidden: row.treatedHidden), count(c.treatedConverters, hidden: row.treatedConvertersHidden),
            rate(c.treatedConverters, c.treated, hidden: row.treatedConvertersHidden),
            count(c.control, hidden: row.controlHidden), count(c.controlConverters, hidden: row.controlConvertersHidden),
            rate(c.controlConverters, c.control, hidden: row.controlConvertersHidden),
            .plain(e.map { Decimals.fixed($0.lift, scale: 6) } ?? ""), .plain(e.map { Decimals.fixed($0.lower, scale: 6) } ?? ""),
            .plain(e.map { Decimals.fixed($0.upper, scale: 6) } ?? ""), .plain(e.map { Decimals.pValue($0.pValue) } ?? ""),
            .plain(row.qValue.map(Decimals.pValue) ?? ""), .plain(srm.map { Decimals.fixed($0.chiSquare, scale: 3) } ?? ""),
            .plain(srm.map { Decimals.pValue($0.pValue) } ?? ""), .plain(srm.map { $0.mismatch ? "1" : "0" } ?? ""),
        ]
    }
}
