import Foundation

/// The headline figures of the executive report and their trend over earlier periods.
package enum HeadlineFigure: CaseIterable, Sendable {
    case reach, converted, csat, nps, intrusive, coverage, violationsPer1000

    /// Whether a rise is good news (an arrow alone must not be read as praise).
    var higherIsBetter: Bool {
        switch self {
        case .reach, .converted, .csat, .nps, .coverage: true
        case .intrusive, .violationsPer1000: false
        }
    }

    /// Counts and means change by a relative percentage; shares and scores by points.
    var changeInPoints: Bool {
        switch self {
        case .reach, .csat, .violationsPer1000: false
        case .converted, .nps, .intrusive, .coverage: true
        }
    }

    func label(_ l: ReportLabels) -> String {
        switch self {
        case .reach: l.reach
        case .converted: l.converted
        case .csat: "CSAT"
        case .nps: "NPS"
        case .intrusive: l.intrusive.replacingOccurrences(of: " (n)", with: "")
        case .coverage: l.coverage
        case .violationsPer1000: l.violationsPer1000
        }
    }

    /// The figure's value in one stored record, or nil when undefined or when it describes
    /// fewer than `k` subjects (a trend must not leak what the table hides).
    func value(_ r: TierFigureRecord, k: Int64) -> Double? {
        func small(_ n: Int64) -> Bool { n > 0 && n < k }
        switch self {
        case .reach: return small(r.reach) ? nil : Double(r.reach)
        case .converted:
            return r.reach == 0 || small(r.reach) || small(r.treatedConverters) ? nil : 100 * Double(r.treatedConverters) / Double(r.reach)
        case .csat: return r.csatResponses == 0 || small(r.csatResponses) ? nil : Double(r.csatSum) / Double(r.csatResponses)
        case .nps:
            return r.npsResponses == 0 || small(r.npsResponses) ? nil : 100 * Double(r.promoters - r.detractors) / Double(r.npsResponses)
        case .intrusive:
            return r.intrusiveResponses == 0 || small(r.intrusiveResponses) ? nil : 100 * Double(r.intrusiveYes) / Double(r.intrusiveResponses)
        case .coverage:
            return r.checkedUses == 0 ? nil : 100 * Double(r.checkedUses - r.violatingCheckedUses) / Double(r.checkedUses)
        case .violationsPer1000: return r.uses == 0 ? nil : 1000 * Double(r.violations) / Double(r.uses)
        }
    }

    /// The value as the report prints it.
    func format(_ value: Double) -> String {
        switch self {
        case .reach: Decimals.fixed(value, scale: 0)
        case .converted, .intrusive, .coverage: Decimals.fixed(value, scale: 1) + "%"
        case .csat: Decimals.fixed(value, scale: 2)
        case .nps: Decimals.fixed(value, scale: 0)
        case .violationsPer1000: Decimals.fixed(value, scale: 1)
        }
    }
}

/// One headline figure now, in the period before, and over the last periods.
package struct HeadlineTrend: Sendable {
    package var figure: HeadlineFigure
    package var current: Double?
    /// The immediately preceding period's value; nil with `previousMissing` when that
    /// period has no run, nil alone when the figure was undefined then.
    package var previous: Double?
    package var previousMissing: Bool
    /// Oldest first, ending with the current period (at most 8).
    package var series: [Double?]

    /// Change as text ("▲ +12.5%", "▼ −1.2 pp"), or nil when there is nothing to compare.
    func change(_ l: ReportLabels) -> (text: String, direction: String, good: Bool?)? {
        guard let current, let previous else { return nil }
        let delta = current - previous
        if figure.changeInPoints {
            let text = Decimals.fixed(delta, scale: 1)
            if Double(text) == 0 { return ("= 0.0 pp", l.unchanged, nil) }
            return (delta > 0 ? "▲ +\(text) pp" : "▼ \(text) pp", delta > 0 ? l.up : l.down, (delta > 0) == figure.higherIsBetter)
        }
        guard previous != 0 else { return nil }
        let relative = Decimals.signedPercent(delta / previous)
        if relative == "0.0%" { return ("= 0.0%", l.unchanged, nil) }
        return (delta > 0 ? "▲ " + relative : "▼ " + relative, delta > 0 ? l.up : l.down, (delta > 0) == figure.higherIsBetter)
    }
}

/// The trend of every headline figure (all tiers) from the run history.
package struct TrendReport: Sendable {
    package var headlines: [HeadlineTrend]
    /// Violations (all tiers) over the last periods, oldest first, ending now.
    package var violations: [Double?]
    /// No earlier period of this job has a completed run.
    package var firstRun: Bool

    package static let periods = 8

    package init(current: TierFigureRecord, period: ReportPeriod, history: [PeriodFigures], k: Int64) {
        let previous = history.first { $0.end == period.start }
        let past = history.prefix(Self.periods - 1).reversed()
        firstRun = history.isEmpty
        headlines = HeadlineFigure.allCases.map { figure in
            HeadlineTrend(
                figure: figure, current: figure.value(current, k: k),
                previous: previous.flatMap { $0.tiers.last.flatMap { figure.value($0, k: k) } },
                previousMissing: previous == nil,
                series: past.map { $0.tiers.last.flatMap { figure.value($0, k: k) } } + [figure.value(current, k: k)])
        }
        violations = past.map { $0.tiers.last.map { Double($0.violations) } } + [Double(current.violations)]
    }
}

/// Inline SVG sparklines: a line over the last periods with the current value marked.
package enum Sparkline {
    /// An accessible SVG (role="img", <title>, <desc> listing the values), or nil with
    /// fewer than two points to draw.
    package static func svg(_ values: [Double?], title: String, format: (Double) -> String) -> String? {
        let points = values.enumerated().compactMap { index, value in value.map { (index, $0) } }
        guard points.count >= 2 else { return nil }
        let width = 120.0, height = 28.0, pad = 3.0
        let low = points.map(\.1).min()!, high = points.map(\.1).max()!
        let span = high - low
        let step = (width - 2 * pad) / Double(max(values.count - 1, 1))
        func y(_ v: Double) -> String { Decimals.fixed(span == 0 ? height / 2 : height - pad - (v - low) / span * (height - 2 * pad), scale: 1) }
        func x(_ i: Int) -> String { Decimals.fixed(pad + Double(i) * step, scale: 1) }
        let path = points.map { "\(x($0.0)),\(y($0.1))" }.joined(separator: " ")
        let last = points.last!
        let description = values.map { $0.map(format) ?? "—" }.joined(separator: ", ")
        return "<svg class=\"spark\" role=\"img\" width=\"120\" height=\"28\" viewBox=\"0 0 120 28\">"
            + "<title>\(HTMLPage.escape(title))</title><desc>\(HTMLPage.escape(description))</desc>"
            + "<polyline fill=\"none\" stroke=\"#1f4e79\" stroke-width=\"1.5\" points=\"\(path)\"/>"
            + "<circle cx=\"\(x(last.0))\" cy=\"\(y(last.1))\" r=\"2.5\" fill=\"#1f4e79\"/></svg>"
    }
}
