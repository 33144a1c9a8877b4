/// How many decimals the figure CSVs print. Raw files are for machines, which recompute:
/// every rate, share, mean and bound gets at least 6 decimals (money is exact at 6). Files
/// for spreadsheets keep the friendly rounding people read.
package enum CSVPrecision: Sendable {
    case friendly, full

    package init(_ mode: CSVMode) { self = mode == .raw ? .full : .friendly }

    var money: Int { self == .full ? 6 : 2 }
    var mean: Int { self == .full ? 6 : 3 }
    var percent: Int { self == .full ? 6 : 2 }
    var statistic: Int { self == .full ? 6 : 3 }

    /// A p-value: 6 decimals; friendly files write the smallest as `<0.000001`, raw files
    /// keep the column numeric (`0.000000`).
    func pValue(_ p: Double) -> String { self == .full ? Decimals.fixed(p, scale: 6) : Decimals.pValue(p) }
}

/// Writes the figure CSVs of a run from its `ReportModel`.
package enum CSVReports {
    package static let upliftColumns = CSVTable.uplift.header

    package static func write(_ model: ReportModel, into folder: String) throws(TierwatchError) {
        let figures = model.figures
        let hidden = model.suppression
        let marker = hidden.marker
        func writeFile(_ table: CSVTable, rows: (CSVPrecision) -> [[CSVCell]]) throws(TierwatchError) {
            let mode = model.job.csvMode(for: table.file)
            let writer = try CSVWriter(path: folder + "/" + table.file, header: table.header, mode: mode)
            for row in rows(CSVPrecision(mode)) { try writer.write(row) }
            try writer.close()
        }
        try writeFile(.metricsByTier) { precision in
            model.tierKeys.enumerated().map { index, key in
                [.plain(key)] + model.metricCells(
                    figures.engagement[index], hiddenRow: hidden.tierRows[index], hiddenReach: hidden.tierReach[index], hiddenEngaged: hidden.tierEngaged[index],
                    marker: marker, precision: precision)
            }
        }
        try writeFile(.metricsByCampaign) { precision in
            model.campaignOrder.map { index in
                [.text(figures.campaignIDs[index]), .text(figures.campaignNames[index] ?? ""), .plain(model.campaignTierText(index))]
                    + model.metricCells(
                        figures.engagement[EngagementAccumulator.group(campaign: Int32(index))],
                        hiddenRow: hidden.campaignRows.contains(index), hiddenReach: hidden.campaignReach.contains(index),
                        hiddenEngaged: hidden.campaignEngaged.contains(index),
                        marker: marker, precision: precision)
            }
        }
        try writeFile(.surveysByTier) { precision in
            model.tierKeys.enumerated().map { index, key in
                [.plain(key)] + model.surveyCells(figures.surveys[index], row: index, suppression: hidden, precision: precision)
            }
        }
        try writeFile(.privacyByTier) { _ in
            model.tierKeys.enumerated().map { index, key in [.plain(key)] + model.privacyCells(figures.privacyByTier[index]) }
        }
        try writeFile(.privacyByJurisdiction) { _ in
            model.jurisdictionKeys.enumerated().map { index, key in
                [.text(key)] + model.privacyCells(figures.privacyByJurisdiction[index])
            }
        }
        let uplift = UpliftReport(figures: figures, job: model.job, suppression: hidden)
        try writeFile(.uplift) { precision in
            var rows = Tier.allCases.map { tier in
                [CSVCell.plain("tier"), .plain(tier.name)] + upliftCells(uplift.tiers[tier.rawValue], marker: marker, precision: precision)
            }
            for index in model.campaignOrder {
                guard let row = uplift.campaigns[index] else { continue }
                rows.append([.plain("campaign"), .text(figures.campaignIDs[index])] + upliftCells(row, marker: marker, precision: precision))
            }
            return rows
        }
    }

    /// The cells of one `uplift.csv` row after `group, id`.
    static func upliftCells(_ row: UpliftRow, marker: String, precision: CSVPrecision = .friendly) -> [CSVCell] {
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
            .plain(e.map { Decimals.fixed($0.upper, scale: 6) } ?? ""), .plain(e.map { precision.pValue($0.pValue) } ?? ""),
            .plain(row.qValue.map(precision.pValue) ?? ""), .plain(srm.map { Decimals.fixed($0.chiSquare, scale: precision.statistic) } ?? ""),
            .plain(srm.map { precision.pValue($0.pValue) } ?? ""), .plain(srm.map { $0.mismatch ? "1" : "0" } ?? ""),
        ]
    }
}
