import Glibc

/// One violation as written to `violations.csv` and shown as evidence.
package struct ViolationRow: Sendable {
    package var eventID: String
    package var occurredAt: String
    package var rule: ConsentRule
    package var tier: Tier
    package var jurisdiction: String
    package var campaignID: String
    package var purpose: String
    package var subject: String
    package var state: String
    package var detail: String

    package var cells: [CSVCell] {
        [
            .text(eventID), .plain(occurredAt), .plain(rule.name), .plain(rule.severity.name), .plain(tier.name),
            .text(jurisdiction), .text(campaignID), .text(purpose), .plain(subject), .plain(state), .text(detail),
        ]
    }
}

/// `violations.csv`, plus what the compliance report needs: counts by rule × tier ×
/// jurisdiction, by campaign, and the first rows of each rule as evidence.
package final class ViolationLog {
    package static let header = [
        "event_id", "occurred_at", "rule", "severity", "tier", "jurisdiction", "campaign_id", "purpose", "subject",
        "consent_state", "detail",
    ]
    private let writer: CSVWriter
    private let evidenceLimit: Int
    package private(set) var evidence: [ConsentRule: [ViolationRow]] = [:]
    /// Violations keyed by rule, tier and jurisdiction index.
    package private(set) var matrix: [MatrixKey: Int64] = [:]
    /// Violations per campaign id.
    package private(set) var byCampaign: [Int32: Int64] = [:]
    package private(set) var bySeverity: [Severity: Int64] = [:]
    package private(set) var total: Int64 = 0

    package struct MatrixKey: Hashable, Sendable {
        package var rule: ConsentRule
        package var tier: Tier
        package var jurisdiction: Int
    }

    /// A log writing `violations.csv` at `path`; with `part: true`, a part's rows alone (no
    /// header), to be absorbed into the run's log in input order.
    package init(path: String, evidenceLimit: Int, mode: CSVMode = .spreadsheet, part: Bool = false) throws(TierwatchError) {
        writer = try CSVWriter(path: path, header: part ? nil : Self.header, mode: mode)
        self.evidenceLimit = evidenceLimit
    }

    /// Appends a part's rows and adds up its counts; the part's campaign id `c` is
    /// `campaignMap(c)` here. Then deletes the part's file.
    package func absorb(_ part: ViolationLog, campaignMap: PartIDs) throws(TierwatchError) {
        try writer.append(rowsOf: part.writer)
        unlink(part.writer.path)
        total += part.total
        for (key, count) in part.matrix { matrix[key, default: 0] += count }
        for (campaign, count) in part.byCampaign { byCampaign[campaignMap(campaign), default: 0] += count }
        for (severity, count) in part.bySeverity { bySeverity[severity, default: 0] += count }
        for rule in ConsentRule.allCases {
            for row in part.evidence[rule] ?? [] where evidence[rule, default: []].count < evidenceLimit {
                evidence[rule, default: []].append(row)
            }
        }
    }

    package func add(_ row: ViolationRow, jurisdiction: Int, campaign: Int32) throws(TierwatchError) {
        try writer.write(row.cells)
        total += 1
        matrix[MatrixKey(rule: row.rule, tier: row.tier, jurisdiction: jurisdiction), default: 0] += 1
        byCampaign[campaign, default: 0] += 1
        bySeverity[row.rule.severity, default: 0] += 1
        if evidence[row.rule, default: []].count < evidenceLimit { evidence[row.rule, default: []].append(row) }
    }

    /// The most severe violation found, if any.
    package var worstSeverity: Severity? { bySeverity.keys.max() }

    package func close() throws(TierwatchError) { try writer.close() }
}
