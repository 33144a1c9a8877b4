import Glibc

/// One violation as the compliance report shows it in its evidence.
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
    /// Where its event is in the input (``ViolationEntry/position``), for sharded runs.
    package var position: Int64 = 0
}

/// One violation to log, its fields from input as that input's bytes.
package struct ViolationEntry {
    package var eventID: UnsafeRawBufferPointer
    package var occurredAt: Int64
    package var rule: ConsentRule
    package var tier: Tier
    /// The jurisdiction's index in the policy, and its code.
    package var jurisdiction: Int
    package var jurisdictionCode: UnsafeRawBufferPointer
    /// The campaign's number, and its id.
    package var campaign: Int32
    package var campaignID: UnsafeRawBufferPointer
    package var purpose: UnsafeRawBufferPointer
    /// The subject's pseudonym (``Pseudonymizer/pseudonymBits(_:cachedAs:)``).
    package var subject: UInt64
    package var state: ConsentState?
    package var detail: UnsafeRawBufferPointer
    /// Where the event is in the input: its file's index `<< 40 | ` its line, the line
    /// counted from its part's start until the part is merged. Only sharded runs keep it.
    package var position: Int64 = 0

    package init(
        eventID: UnsafeRawBufferPointer, occurredAt: Int64, rule: ConsentRule, tier: Tier, jurisdiction: Int,
        jurisdictionCode: UnsafeRawBufferPointer, campaign: Int32, campaignID: UnsafeRawBufferPointer, purpose: UnsafeRawBufferPointer,
        subject: UInt64, state: ConsentState?, detail: UnsafeRawBufferPointer
    ) {
        self.eventID = eventID
        self.occurredAt = occurredAt
        self.rule = rule
        self.tier = tier
        self.jurisdiction = jurisdiction
        self.jurisdictionCode = jurisdictionCode
        self.campaign = campaign
        self.campaignID = campaignID
        self.purpose = purpose
        self.subject = subject
        self.state = state
        self.detail = detail
    }

    /// The entry as evidence keeps it.
    var row: ViolationRow {
        func text(_ bytes: UnsafeRawBufferPointer) -> String { String(decoding: bytes, as: UTF8.self) }
        return ViolationRow(
            eventID: text(eventID), occurredAt: CivilCalendar.utcString(occurredAt), rule: rule, tier: tier,
            jurisdiction: text(jurisdictionCode), campaignID: text(campaignID), purpose: text(purpose),
            subject: Pseudonymizer.text(subject), state: state?.name ?? "", detail: text(detail), position: position)
    }
}

/// The vocabulary's names as bytes, for what every violation row writes (for the whole
/// process: the tables are tiny and never freed).
enum NameBytes {
    /// Per rule, by ``ConsentRule/rawValue``: its name, and its severity's name.
    static let rules = ByteTable(ConsentRule.allCases.map(\.name))
    static let severities = ByteTable(ConsentRule.allCases.map(\.severity.name))
    static let tiers = ByteTable(Tier.allCases.map(\.name))
    /// By ``ConsentState/rawValue`` + 1; first the empty cell of rules with no state.
    static let states = ByteTable([""] + ConsentState.allCases.map(\.name))
    static let statuses = ByteTable(ConsentStatus.allCases.map(\.name))
}

/// `violations.csv`, plus what the compliance report needs: counts by rule × tier ×
/// jurisdiction, by campaign, and the first rows of each rule as evidence.
///
/// A run logs a few hundred thousand violations at 10M events, so rows are written from
/// the input's bytes and counted in arrays; only evidence becomes strings.
package final class ViolationLog {
    package static let header = CSVTable.violations.header
    private let writer: CSVWriter
    /// Copies of parts' rows into `writer`, in the order the parts were absorbed.
    private let appends = InBackground()
    private let evidenceLimit: Int
    package private(set) var evidence: [ConsentRule: [ViolationRow]] = [:]
    /// Evidence rows kept per rule.
    private var evidenceCounts = [Int](repeating: 0, count: ConsentRule.allCases.count)
    /// Violations per (jurisdiction index, tier, rule), at `matrixIndex`.
    private var matrixCounts: [Int64] = []
    /// Violations per campaign number.
    private var campaigns: [Int64] = []
    private var severities = [Int64](repeating: 0, count: Severity.allCases.count)
    package private(set) var total: Int64 = 0
    /// The day of the last row's timestamp.
    private var utcDay = CivilCalendar.UTCDay()

    package struct MatrixKey: Hashable, Sendable {
        package var rule: ConsentRule
        package var tier: Tier
        package var jurisdiction: Int
    }

    private static let rules = ConsentRule.allCases.count
    private static let tiers = Tier.allCases.count

    private static func matrixIndex(rule: ConsentRule, tier: Tier, jurisdiction: Int) -> Int {
        (jurisdiction * tiers + tier.rawValue) * rules + rule.rawValue
    }

    /// Violations keyed by rule, tier and jurisdiction index (only those with any).
    package var matrix: [MatrixKey: Int64] {
        var matrix: [MatrixKey: Int64] = [:]
        for (index, count) in matrixCounts.enumerated() where count > 0 {
            let key = MatrixKey(
                rule: ConsentRule(rawValue: index % Self.rules)!, tier: Tier(rawValue: index / Self.rules % Self.tiers)!,
                jurisdiction: index / (Self.rules * Self.tiers))
            matrix[key] = count
        }
        return matrix
    }

    /// Violations per campaign id (only those with any).
    package var byCampaign: [Int32: Int64] {
        var byCampaign: [Int32: Int64] = [:]
        for (campaign, count) in campaigns.enumerated() where count > 0 { byCampaign[Int32(campaign)] = count }
        return byCampaign
    }

    /// Violations per severity (only those with any).
    package var bySeverity: [Severity: Int64] {
        var bySeverity: [Severity: Int64] = [:]
        for (index, count) in severities.enumerated() where count > 0 { bySeverity[Severity(rawValue: index)!] = count }
        return bySeverity
    }

    /// A log writing `violations.csv` at `path`; with `part: true`, a part's rows alone (no
    /// header), to be absorbed into the run's log in input order.
    package init(
        path: String, evidenceLimit: Int, mode: CSVMode = .spreadsheet, part: Bool = false, tracksPositions: Bool = false
    ) throws(TierwatchError) {
        writer = try CSVWriter(path: path, header: part ? nil : Self.header, mode: mode)
        self.evidenceLimit = evidenceLimit
        self.tracksPositions = tracksPositions
    }

    /// The log of the part that comes first in input order, writing its rows straight into
    /// `run`'s file: they are the file's first rows, so absorbing them copies nothing (with
    /// one thread there is one part, and no row is written twice). The part must be the
    /// first that `run` absorbs, and must be done before `run` absorbs another.
    package init(rowsInto run: ViolationLog) {
        writer = run.writer
        evidenceLimit = run.evidenceLimit
        tracksPositions = run.tracksPositions
    }

    /// A sharded run's log also keeps, per row, its event's input position and where the
    /// row ends in the file, so that `merge` can interleave the shards' rows in input order.
    package let tracksPositions: Bool
    package private(set) var positions: [Int64] = []
    package private(set) var rowEnds: [Int64] = []
    package var path: String { writer.path }

    /// Appends a part's rows (unless it wrote them here: ``init(rowsInto:)``) and adds up its
    /// counts; the part's campaign id `c` is `campaignMap(c)` here. Then deletes the part's file.
    package func absorb(_ part: ViolationLog, campaignMap: PartIDs, lineBases: [Int: Int] = [:]) throws(TierwatchError) {
        let copies = part.writer !== writer
        if tracksPositions {
            // A part counts lines from its own start; its files' line bases make them file-wide.
            func fileWide(_ position: Int64) -> Int64 { position + Int64(lineBases[Int(position >> 40)] ?? 0) }
            positions.append(contentsOf: part.positions.map(fileWide))
            // Rows written here already end where the file says.
            let start = copies ? writer.position : 0
            rowEnds.append(contentsOf: part.rowEnds.map { $0 + start })
            for rule in ConsentRule.allCases where part.evidence[rule] != nil {
                for index in part.evidence[rule]!.indices { part.evidence[rule]![index].position = fileWide(part.evidence[rule]![index].position) }
            }
        }
        // The part's rows are copied on another thread (over a gigabyte on a 10M week where
        // most uses break a rule; at the end of a run the other threads have nothing to do).
        // A sharded log reads its writer's position above, so it waits for each copy.
        if copies {
            let writer = UncheckedSendable(writer), rows = UncheckedSendable(part.writer)
            appends.add { () throws(TierwatchError) in
                try writer.value.append(rowsOf: rows.value)
                try writer.value.startWriteback()
                unlink(rows.value.path)
            }
            if tracksPositions { try appends.wait() }
        }
        total += part.total
        Self.add(part.matrixCounts, into: &matrixCounts)
        for (campaign, count) in part.campaigns.enumerated() where count > 0 {
            Self.add(count, at: Int(campaignMap(Int32(campaign))), into: &campaigns)
        }
        Self.add(part.severities, into: &severities)
        for rule in ConsentRule.allCases {
            for row in part.evidence[rule] ?? [] where evidenceCounts[rule.rawValue] < evidenceLimit {
                evidence[rule, default: []].append(row)
                evidenceCounts[rule.rawValue] += 1
            }
        }
    }

    package func add(_ entry: borrowing ViolationEntry) throws(TierwatchError) {
        writer.cell(text: entry.eventID)
        let occurredAt = entry.occurredAt, subject = entry.subject
        var day = utcDay
        writer.cell(plainUpTo: CivilCalendar.maximumUTCLength) { CivilCalendar.writeUTC(occurredAt, to: $0, day: &day) }
        utcDay = day
        writer.cell(plain: NameBytes.rules[entry.rule.rawValue])
        writer.cell(plain: NameBytes.severities[entry.rule.rawValue])
        writer.cell(plain: NameBytes.tiers[entry.tier.rawValue])
        writer.cell(text: entry.jurisdictionCode)
        writer.cell(text: entry.campaignID)
        writer.cell(text: entry.purpose)
        writer.cell(plainUpTo: Pseudonymizer.textLength) { Pseudonymizer.write(subject, to: $0) }
        writer.cell(plain: NameBytes.states[entry.state.map { $0.rawValue + 1 } ?? 0])
        writer.cell(text: entry.detail)
        try writer.endRow()
        if tracksPositions {
            positions.append(entry.position)
            rowEnds.append(writer.position)
        }
        total += 1
        Self.add(1, at: Self.matrixIndex(rule: entry.rule, tier: entry.tier, jurisdiction: entry.jurisdiction), into: &matrixCounts)
        Self.add(1, at: Int(entry.campaign), into: &campaigns)
        severities[entry.rule.severity.rawValue] += 1
        if evidenceCounts[entry.rule.rawValue] < evidenceLimit {
            evidence[entry.rule, default: []].append(entry.row)
            evidenceCounts[entry.rule.rawValue] += 1
        }
    }

    private static func add(_ count: Int64, at index: Int, into counts: inout [Int64]) {
        if index >= counts.count { counts.append(contentsOf: repeatElement(0, count: index + 1 - counts.count)) }
        counts[index] += count
    }

    private static func add(_ other: [Int64], into counts: inout [Int64]) {
        for (index, count) in other.enumerated() where count > 0 { add(count, at: index, into: &counts) }
    }

    /// The most severe violation found, if any.
    package var worstSeverity: Severity? { bySeverity.keys.max() }

    package func close() throws(TierwatchError) {
        try appends.wait()
        try writer.close()
    }

    /// No copy outlives the log (a failed run's staging folder is cleaned up after it).
    deinit { try? appends.wait() }
}
