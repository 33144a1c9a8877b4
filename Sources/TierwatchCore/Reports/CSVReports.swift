/// Writes the figure CSVs of a run from its `ReportModel`.
package enum CSVReports {
    package static func write(_ model: ReportModel, into folder: String) throws(TierwatchError) {
        let figures = model.figures
        try writeFile(folder + "/metrics_by_tier.csv", header: ["tier"] + ReportModel.metricColumns,
            rows: model.tierKeys.enumerated().map { index, key in [.plain(key)] + model.metricCells(figures.engagement[index]) })
        try writeFile(
            folder + "/metrics_by_campaign.csv", header: ["campaign_id", "campaign_name", "tier"] + ReportModel.metricColumns,
            rows: model.campaignOrder.map { index in
                [.text(figures.campaignIDs[index]), .text(figures.campaignNames[index] ?? ""), .plain(model.campaignTierText(index))]
                    + model.metricCells(figures.engagement[EngagementAccumulator.group(campaign: Int32(index))])
            })
        try writeFile(folder + "/surveys_by_tier.csv", header: ReportModel.surveyColumns,
            rows: model.tierKeys.enumerated().map { index, key in [.plain(key)] + model.surveyCells(figures.surveys[index]) })
        try writeFile(folder + "/privacy_by_tier.csv", header: ["tier"] + ReportModel.privacyColumns,
            rows: model.tierKeys.enumerated().map { index, key in [.plain(key)] + model.privacyCells(figures.privacyByTier[index]) })
        try writeFile(folder + "/privacy_by_jurisdiction.csv", header: ["jurisdiction"] + ReportModel.privacyColumns,
            rows: model.jurisdictionKeys.enumerated().map { index, key in
                [.text(key)] + model.privacyCells(figures.privacyByJurisdiction[index])
            })
    }

    private static func writeFile(_ path: String, header: [String], rows: [[CSVCell]]) throws(TierwatchError) {
        let writer = try CSVWriter(path: path, header: header)
        for row in rows { try writer.write(row) }
        try writer.close()
    }
}
