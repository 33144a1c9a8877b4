/// How much privacy risk a tier carries in a period.
package enum RiskLevel: Int, Sendable, Comparable {
    case low, medium, high

    /// High: a critical violation, or 10 or more violations per 1,000 uses; medium: at
    /// least 1 per 1,000 uses; low otherwise.
    package static func of(_ privacy: PrivacyTotals, critical: Int64) -> RiskLevel {
        if critical > 0 { return .high }
        guard privacy.uses > 0 else { return .low }
        let perThousand = privacy.violations * 1000
        if perThousand >= 10 * privacy.uses { return .high }
        if perThousand >= privacy.uses { return .medium }
        return .low
    }

    package static func < (a: RiskLevel, b: RiskLevel) -> Bool { a.rawValue < b.rawValue }

    var name: String { ["low", "medium", "high"][rawValue] }

    func label(_ l: ReportLabels) -> String { [l.riskLow, l.riskMedium, l.riskHigh][rawValue] }
}

/// One level of the pyramid as drawn: the tier and the lines of text beside it.
struct PyramidLevel {
    var tier: Tier
    var risk: RiskLevel
    /// Plain text (escaped when drawn).
    var lines: [String]
}

/// The pyramid as inline SVG: five trapezoids, one-to-one at the top, each filled by risk
/// with a pattern as well as a colour (so it reads in grey print and for colour-blind
/// readers), the risk written in the level, and the figures beside it.
enum PyramidSVG {
    static let levelHeight = 66.0
    static let width = 900.0

    static func svg(_ levels: [PyramidLevel], title: String, description: String, labels: ReportLabels) -> String {
        let height = levelHeight * Double(levels.count) + 8
        var svg = "<svg class=\"pyramid\" role=\"img\" aria-labelledby=\"pyramid-title pyramid-desc\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"system-ui,-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif\">\n"
        svg += "<title id=\"pyramid-title\">\(HTMLPage.escape(title))</title>\n<desc id=\"pyramid-desc\">\(HTMLPage.escape(description))</desc>\n"
        svg += """
            <defs>
            <pattern id="risk-medium" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="#fde7b0"/><circle cx="4" cy="4" r="1.4" fill="#b26a00"/></pattern>
            <pattern id="risk-high" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#f6c4c4"/><rect width="3" height="8" fill="#c62828" fill-opacity="0.55"/></pattern>
            <pattern id="risk-low" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="#d8eed9"/></pattern>
            </defs>

            """
        let centre = 165.0
        func halfWidth(_ y: Double) -> Double { 22 + y * (140 / (levelHeight * Double(levels.count))) }
        for (index, level) in levels.enumerated() {
            let top = 4 + Double(index) * levelHeight, bottom = top + levelHeight - 4
            let a = halfWidth(top - 4), b = halfWidth(bottom)
            let points = [(centre - a, top), (centre + a, top), (centre + b, bottom), (centre - b, bottom)]
                .map { "\(Decimals.fixed($0.0, scale: 1)),\(Decimals.fixed($0.1, scale: 1))" }.joined(separator: " ")
            svg += "<g>\n<polygon points=\"\(points)\" fill=\"url(#risk-\(level.risk.name))\" stroke=\"#333\" stroke-width=\"\(level.risk == .high ? 2.5 : 1)\"/>\n"
            let middle = (top + bottom) / 2
            svg += "<text x=\"\(Int(centre))\" y=\"\(Decimals.fixed(middle - 4, scale: 1))\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"700\" fill=\"#000\">\(HTMLPage.escape(level.tier.label))</text>\n"
            svg += "<text x=\"\(Int(centre))\" y=\"\(Decimals.fixed(middle + 13, scale: 1))\" text-anchor=\"middle\" font-size=\"11\" fill=\"#000\">\(HTMLPage.escape(labels.risk + ": " + level.risk.label(labels)))</text>\n"
            svg += "<line x1=\"\(Decimals.fixed(centre + b + 6, scale: 1))\" y1=\"\(Decimals.fixed(middle, scale: 1))\" x2=\"338\" y2=\"\(Decimals.fixed(middle, scale: 1))\" stroke=\"#999\" stroke-dasharray=\"2 3\"/>\n"
            for (line, text) in level.lines.enumerated() {
                let y = middle - Double(level.lines.count - 1) * 9 + Double(line) * 18 + 4
                svg += "<text x=\"345\" y=\"\(Decimals.fixed(y, scale: 1))\" font-size=\"\(line == 0 ? 14 : 13)\" fill=\"#1a1a1a\"\(line == 0 ? " font-weight=\"600\"" : "")>\(HTMLPage.escape(text))</text>\n"
            }
            svg += "</g>\n"
        }
        return svg + "</svg>\n"
    }
}
