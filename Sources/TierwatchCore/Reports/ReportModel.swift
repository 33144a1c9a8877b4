/// Revenue of one group in the reporting currency, or why it cannot be given.
package struct RevenueFigure: Sendable {
    package var currency: String
    /// Micro-units; nil when the currencies cannot be combined.
    package var micros: Int64?
}

/// The formatted, writer-independent view of a run: what every CSV and HTML writer shows.
///
/// goaccess's shape: one model, many writers, so the executive page, the compliance page
/// and the CSV files can never disagree on a number.
package struct ReportModel {
    package var job: JobDefinition
    package var period: ReportPeriod
    package var figures: RunFigures
    package var runID: String
    package var generatedAt: Int64
    package var toolVersion: String
    package var policyHash: String
    package var status: RunStatus
    package var warnings: [String]
    /// Earlier periods of the job, newest first (see `StateStore.periodHistory`).
    package var history: [PeriodFigures] = []
    /// Set when the run was merged from the partials of this many shards (the provenance says so).
    package var shards: Int? = nil

    /// The labels of the job's report language.
    package var labels: ReportLabels { job.language.labels }

    /// Which figures are shown as "<k".
    package var suppression: Suppression { Suppression(figures: figures, k: job.smallCellK) }

    /// Week-over-week changes and sparklines of the headline figures.
    package var trends: TrendReport {
        TrendReport(
            current: Self.tierRecords(figures, job: job).last!, period: period, history: history, k: Int64(job.smallCellK))
    }

    /// The metric columns after a group's key columns (`CSVColumns` holds their descriptions).
    package static let metricColumns = CSVTable.metricColumns.map(\.name)
    package static let surveyColumns = CSVTable.surveysByTier.header
    package static let privacyColumns = CSVTable.privacyColumns.map(\.name)

    /// Revenue of `totals` per the job's currency settings, plus a warning when it cannot
    /// be combined into one figure.
    package static func revenue(
        _ totals: EngagementTotals, currencies: [String], settings: CurrencySettings?
    ) -> (RevenueFigure, String?) {
        let used = totals.revenue.keys.sorted { currencies[Int($0)] < currencies[Int($1)] }
        if let settings {
            var sum: Int64 = 0
            var missing: [String] = []
            for id in used {
                let code = currencies[Int(id)]
                guard let rate = settings.rates[code] else {
                    missing.append(code)
                    continue
                }
                sum += FixedPoint.scale(totals.revenue[id]!, by: rate.numerator, over: rate.denominator)
            }
            if !missing.isEmpty {
                return (
                    RevenueFigure(currency: settings.reporting, micros: nil),
                    "no exchange rate for \(missing.joined(separator: ", ")) in currency.rates: revenue left empty"
                )
            }
            return (RevenueFigure(currency: settings.reporting, micros: sum), nil)
        }
        switch used.count {
        case 0: return (RevenueFigure(currency: "", micros: 0), nil)
        case 1: return (RevenueFigure(currency: currencies[Int(used[0])], micros: totals.revenue[used[0]]!), nil)
        default:
            let codes = used.map { currencies[Int($0)] }.joined(separator: ";")
            return (
                RevenueFigure(currency: codes, micros: nil),
                "conversions in several currencies (\(codes)) and no currency.reporting with rates: revenue left empty"
            )
        }
    }

    /// The metric cells of one group with its hidden figures replaced by the suppression
    /// marker: the whole row, or `reach`/`engaged` and `engagement_rate`.
    package func metricCells(
        _ totals: EngagementTotals, hiddenRow: Bool, hiddenReach: Bool, hiddenEngaged: Bool, marker: String,
        precision: CSVPrecision = .friendly
    ) -> [CSVCell] {
        if hiddenRow {
            return Self.metricColumns.map { $0 == "currency" ? .plain("") : .plain(marker) }
        }
        var cells = metricCells(totals, precision: precision)
        if hiddenReach {
            cells[Self.metricColumns.firstIndex(of: "reach")!] = .plain(marker)
            cells[Self.metricColumns.firstIndex(of: "engagement_rate")!] = .plain(marker)
        }
        if hiddenEngaged {
            cells[Self.metricColumns.firstIndex(of: "engaged")!] = .plain(marker)
            cells[Self.metricColumns.firstIndex(of: "engagement_rate")!] = .plain(marker)
        }
        return cells
    }

    /// The metric cells of one group, in `metricColumns` order.
    package func metricCells(_ totals: EngagementTotals, precision: CSVPrecision = .friendly) -> [CSVCell] {
        let (revenue, _) = Self.revenue(totals, currencies: figures.currencies, settings: job.currency)
        let rate = { (n: Int64, d: Int64) in CSVCell.plain(FixedPoint.ratio(n, d, scale: 6)) }
        // Revenue is a sum of micro-units: exact at 6 decimals.
        let money = { (n: Int64?, d: Int64) -> CSVCell in
            guard let n else { return .plain("") }
            return .plain(FixedPoint.ratio(n, d * 1_000_000, scale: precision.money))
        }
        return [
            .plain(String(totals.delivered)), .plain(String(totals.opens)), .plain(String(totals.clicks)),
            .plain(String(totals.conversions)), .plain(String(totals.bounces)), .plain(String(totals.unsubscribes)),
            .plain(String(totals.holdouts)), .plain(String(totals.reach)), .plain(String(totals.engaged)),
            rate(totals.opens, totals.delivered), rate(totals.clicks, totals.delivered),
            rate(totals.conversions, totals.delivered), rate(totals.bounces, totals.delivered),
            rate(totals.unsubscribes, totals.delivered), rate(totals.engaged, totals.reach),
            .text(revenue.currency), money(revenue.micros, 1), money(revenue.micros, totals.conversions),
            money(revenue.micros, totals.delivered),
        ]
    }

    /// The survey cells of one group after `tier`, in `surveyColumns` order.
    package func surveyCells(_ s: SurveyTotals, precision: CSVPrecision = .friendly) -> [CSVCell] {
        let percent = { (n: Int64, d: Int64) in CSVCell.plain(FixedPoint.ratio(n, d, times: 100, scale: precision.percent)) }
        return [
            .plain(String(s.responses)), .plain(String(s.csatResponses)), .plain(String(s.csatSum)),
            .plain(String(s.csatSatisfied)), .plain(FixedPoint.ratio(s.csatSum, s.csatResponses, scale: precision.mean)),
            percent(s.csatSatisfied, s.csatResponses),
            .plain(String(s.npsResponses)), .plain(String(s.promoters)), .plain(String(s.detractors)),
            percent(s.promoters - s.detractors, s.npsResponses),
            .plain(String(s.intrusiveResponses)), .plain(String(s.intrusiveYes)), percent(s.intrusiveYes, s.intrusiveResponses),
        ]
    }

    /// The survey cells of one tier row with hidden figures replaced by the marker: each
    /// question's counts and figures go together, so none can be recomputed from the others.
    package func surveyCells(
        _ s: SurveyTotals, row: Int, suppression: Suppression, precision: CSVPrecision = .friendly
    ) -> [CSVCell] {
        let marker = CSVCell.plain(suppression.marker)
        let names = Self.surveyColumns.dropFirst()
        if suppression.surveyRows[row] { return Array(repeating: marker, count: names.count) }
        var cells = surveyCells(s, precision: precision)
        for (index, name) in names.enumerated() {
            if (suppression.surveyCSAT[row] && name.hasPrefix("csat_")) || (suppression.surveyNPS[row] && name.hasPrefix("nps"))
                || (suppression.surveyIntrusive[row] && name.hasPrefix("intrusive_"))
            {
                cells[index] = marker
            }
        }
        return cells
    }

    /// The privacy cells of one group after its key, in `privacyColumns` order.
    package func privacyCells(_ p: PrivacyTotals) -> [CSVCell] {
        [
            .plain(String(p.uses)), .plain(String(p.checkedUses)), .plain(String(p.violatingUses)),
            .plain(String(p.violatingCheckedUses)), .plain(String(p.violations)),
            .plain(FixedPoint.ratio(p.checkedUses - p.violatingCheckedUses, p.checkedUses, scale: 6)),
            .plain(FixedPoint.ratio(p.uses - p.violatingUses, p.uses, scale: 6)),
        ] + p.byRule.map { .plain(String($0)) }
    }

    /// Rows of the tier tables: the five tiers in pyramid order, then `all`.
    package var tierKeys: [String] { Tier.allCases.map(\.name) + ["all"] }

    package var jurisdictionKeys: [String] { job.policy.jurisdictions.map(\.code) + ["all"] }

    /// Campaign indexes ordered by campaign id (byte order).
    package var campaignOrder: [Int] {
        figures.campaignIDs.indices.sorted {
            Array(figures.campaignIDs[$0].utf8).lexicographicallyPrecedes(Array(figures.campaignIDs[$1].utf8))
        }
    }

    package func campaignTierText(_ index: Int) -> String {
        Tier.allCases.filter { figures.campaignTiers[index] & (UInt8(1) << UInt8($0.rawValue)) != 0 }.map(\.name)
            .joined(separator: ";")
    }

    /// The stored per-tier figures of a run: the five tiers, then `all`.
    package static func tierRecords(_ figures: RunFigures, job: JobDefinition) -> [TierFigureRecord] {
        (Tier.allCases.map(\.name) + ["all"]).enumerated().map { index, name in
            let e = figures.engagement[index]
            let s = figures.surveys[index]
            let p = figures.privacyByTier[index]
            return TierFigureRecord(
                tier: name, delivered: e.delivered, opens: e.opens, clicks: e.clicks, conversions: e.conversions,
                holdouts: e.holdouts, reach: e.reach, engaged: e.engaged, controlSubjects: e.controlSubjects,
                treatedConverters: e.treatedConverters, controlConverters: e.controlConverters,
                revenueMicros: ReportModel.revenue(e, currencies: figures.currencies, settings: job.currency).0.micros,
                responses: s.responses, csatResponses: s.csatResponses, csatSum: s.csatSum, csatSatisfied: s.csatSatisfied,
                npsResponses: s.npsResponses, promoters: s.promoters, detractors: s.detractors,
                intrusiveResponses: s.intrusiveResponses, intrusiveYes: s.intrusiveYes, uses: p.uses,
                checkedUses: p.checkedUses, violatingUses: p.violatingUses, violatingCheckedUses: p.violatingCheckedUses,
                violations: p.violations)
        }
    }

    /// The data warnings of a run (currencies that cannot be combined).
    package static func dataWarnings(_ figures: RunFigures, settings: CurrencySettings?) -> [String] {
        var warnings: [String] = []
        for totals in figures.engagement {
            if let warning = revenue(totals, currencies: figures.currencies, settings: settings).1,
                !warnings.contains(warning)
            {
                warnings.append(warning)
            }
        }
        return warnings
    }
}

/// The closed vocabulary of run outcomes (dbt's, less `skipped`).
package enum RunStatus: String, Sendable, CaseIterable {
    case running, success, warn, fail, error

    /// The exit status of a finished run.
    package var exitStatus: Int32 {
        switch self {
        case .success: 0
        case .warn: 1
        case .fail: 2
        case .running, .error: 70
        }
    }
}
