import Foundation

/// What one shard of a sharded run leaves for `tierwatch merge` (README, "Running on a
/// cluster"): a folder with
///
/// - `partial.json`: the mergeable state (every count and sum, distinct-subject counts that
///   add across disjoint shards, the shard's first evidence rows per rule with their input
///   positions, the inputs' hashes and row counts) and what it belongs to (job file and
///   policy hashes, period, tool, shard I of N), in format `tierwatch-partial` version 1;
/// - `violations.csv`: the shard's violation rows, as the single run writes them;
/// - `violations.index`: per row, its event's input position and where the row ends in
///   `violations.csv` (two little-endian 64-bit integers), so rows interleave in input order;
/// - `rejected.csv` and `rejected.index` (the same pairs, the input's reading rank in the
///   position's top bits): the rejected rows of the inputs read whole (shard 0's) and of
///   the shard's own parts.
package struct ShardPartial: Codable {
    package static let format = "tierwatch-partial"
    package static let version = 2

    package struct Period: Codable, Equatable {
        var label: String
        var start: Int64
        var end: Int64
        var timezone: String
    }

    /// The files of one input this shard read, with their places among all of the
    /// input's `fileCount` files (a shard reads only its own parts of a split input).
    package struct Input: Codable, Equatable {
        var kind: String
        var files: [InputFileRecord]
        var orders: [Int]
        var fileCount: Int

        enum CodingKeys: String, CodingKey { case kind, files, orders, fileCount = "file_count" }
    }

    package struct Count<Key: Codable & Equatable>: Codable, Equatable {
        var key: Key
        var count: Int64
    }

    package struct MatrixCell: Codable, Equatable {
        var rule: Int
        var tier: Int
        var jurisdiction: Int
        var count: Int64
    }

    /// One rule's evidence rows, each as its fields in order (event_id, occurred_at, tier,
    /// jurisdiction, campaign_id, purpose, subject, state, detail, position): arrays, not
    /// objects, which JSON decodes several times faster.
    package struct Evidence: Codable {
        var rule: Int
        var rows: [[String]]

        init(rule: Int, rows: [ViolationRow]) {
            self.rule = rule
            self.rows = rows.map {
                [$0.eventID, $0.occurredAt, String($0.tier.rawValue), $0.jurisdiction, $0.campaignID, $0.purpose, $0.subject,
                 $0.state, $0.detail, String($0.position)]
            }
        }

        var violationRows: [ViolationRow] {
            let rule = ConsentRule(rawValue: rule) ?? .noConsent
            return rows.compactMap { f in
                guard f.count == 10, let tier = Int(f[2]).flatMap(Tier.init(rawValue:)), let position = Int64(f[9]) else { return nil }
                return ViolationRow(
                    eventID: f[0], occurredAt: f[1], rule: rule, tier: tier, jurisdiction: f[3], campaignID: f[4], purpose: f[5],
                    subject: f[6], state: f[7], detail: f[8], position: position)
            }
        }
    }

    var format = ShardPartial.format
    var version = ShardPartial.version
    var tool: String
    var job: String
    var jobSHA256: String
    var policySHA256: String
    var period: Period
    var shardIndex: Int
    var shardCount: Int
    var violationMode: String

    /// Per group (tiers, all, then campaigns): the counts of ``EngagementTotals`` in
    /// ``engagementColumns`` order, then (currency, micros) pairs, as ``Packed`` text, the
    /// rows separated by `;`. The
    /// per-campaign tables are packed: decoding them as JSON numbers or objects took most
    /// of a merge's time at 10 million events.
    var engagement: String
    var campaignIDs: [String]
    var campaignNames: [String?]
    var campaignTiers: String
    var surveys: [SurveyTotals]
    var privacyByTier: [PrivacyTotals]
    var privacyByJurisdiction: [PrivacyTotals]
    var currencies: [String]
    var inputs: [Input]
    var violationMatrix: [MatrixCell]
    /// (campaign, violations) pairs, by campaign.
    var violationsByCampaign: String
    var violationsBySeverity: [Count<Int>]
    var evidence: [Evidence]
    var violations: Int64
    var rejected: [Count<String>]
    var refusedSignals: [RefusedSignalCount]
    var consentRecords: Int
    var erasureRequests: Int
    var campaignSeen: String
    var campaignNameSeen: String
    var currencySeen: String

    package struct RefusedSignalCount: Codable, Equatable {
        var column: String
        var reason: String
        var count: Int
    }

    init(
        figures f: RunFigures, tool: String, job: JobDefinition, policyHash: String, period: ReportPeriod, shard: ShardSpec,
        files: [InputKind: [ResolvedFile]], fileCounts: [InputKind: Int]
    ) {
        self.tool = tool
        self.job = job.id
        jobSHA256 = job.hash
        policySHA256 = policyHash
        self.period = Period(label: period.label, start: period.start, end: period.end, timezone: period.timeZoneIdentifier)
        shardIndex = shard.index
        shardCount = shard.count
        violationMode = job.csvMode(for: "violations.csv").rawValue
        engagement = f.engagement.map { Packed.text(Self.row($0)) }.joined(separator: ";")
        campaignIDs = f.campaignIDs
        campaignNames = f.campaignNames
        campaignTiers = Packed.text(f.campaignTiers.map(Int64.init))
        surveys = f.surveys
        privacyByTier = f.privacyByTier
        privacyByJurisdiction = f.privacyByJurisdiction
        currencies = f.currencies
        inputs = f.inputs.map {
            Input(kind: $0.kind.rawValue, files: $0.files, orders: (files[$0.kind] ?? []).map(\.order), fileCount: fileCounts[$0.kind] ?? 0)
        }
        violationMatrix = f.violationMatrix.map {
            MatrixCell(rule: $0.key.rule.rawValue, tier: $0.key.tier.rawValue, jurisdiction: $0.key.jurisdiction, count: $0.value)
        }.sorted { ($0.rule, $0.tier, $0.jurisdiction) < ($1.rule, $1.tier, $1.jurisdiction) }
        violationsByCampaign = Packed.text(f.violationsByCampaign.sorted { $0.key < $1.key }.flatMap { [Int64($0.key), $0.value] })
        violationsBySeverity = f.violationsBySeverity.map { Count(key: $0.key.rawValue, count: $0.value) }.sorted { $0.key < $1.key }
        evidence = ConsentRule.allCases.compactMap { rule in f.evidence[rule].map { Evidence(rule: rule.rawValue, rows: $0) } }
        violations = f.violations
        rejected = f.rejected.map { Count(key: $0.key.rawValue, count: Int64($0.value)) }.sorted { $0.key < $1.key }
        refusedSignals = f.refusedSignals.keys.sorted().map {
            RefusedSignalCount(column: $0.column, reason: $0.reason.rawValue, count: f.refusedSignals[$0]!)
        }
        consentRecords = f.consentRecords
        erasureRequests = f.erasureRequests
        campaignSeen = Packed.text(f.campaignSeen)
        campaignNameSeen = Packed.text(f.campaignNameSeen)
        currencySeen = Packed.text(f.currencySeen)
    }

    enum CodingKeys: String, CodingKey {
        case format, version, tool, job, jobSHA256 = "job_sha256", policySHA256 = "policy_sha256", period
        case shardIndex = "shard_index", shardCount = "shard_count", violationMode = "violations_csv_mode"
        case engagement, campaignIDs = "campaign_ids", campaignNames = "campaign_names", campaignTiers = "campaign_tiers"
        case surveys, privacyByTier = "privacy_by_tier", privacyByJurisdiction = "privacy_by_jurisdiction", currencies
        case inputs, violationMatrix = "violation_matrix", violationsByCampaign = "violations_by_campaign"
        case violationsBySeverity = "violations_by_severity", evidence, violations, rejected
        case refusedSignals = "refused_signals", consentRecords = "consent_records", erasureRequests = "erasure_requests"
        case campaignSeen = "campaign_seen", campaignNameSeen = "campaign_name_seen", currencySeen = "currency_seen"
    }

    /// The figures again, as `RunFigures` (evidence as the shard found it): unpacked once,
    /// by ``read(_:)`` (on the merge's threads).
    var figures: RunFigures { unpacked ?? unpack() }
    private var unpacked: RunFigures?

    private func unpack() -> RunFigures {
        let byCampaign = Packed.integers(violationsByCampaign)
        return RunFigures(
            engagement: Packed.rows(engagement).map(Self.totals), campaignIDs: campaignIDs, campaignNames: campaignNames,
            campaignTiers: Packed.integers(campaignTiers).map { UInt8(truncatingIfNeeded: $0) },
            surveys: surveys, privacyByTier: privacyByTier, privacyByJurisdiction: privacyByJurisdiction,
            currencies: currencies,
            inputs: inputs.compactMap { input in InputKind(rawValue: input.kind).map { ($0, input.files) } },
            violationMatrix: Dictionary(
                uniqueKeysWithValues: violationMatrix.map {
                    (ViolationLog.MatrixKey(rule: ConsentRule(rawValue: $0.rule)!, tier: Tier(rawValue: $0.tier)!, jurisdiction: $0.jurisdiction), $0.count)
                }),
            violationsByCampaign: Dictionary(
                uniqueKeysWithValues: stride(from: 0, to: byCampaign.count - 1, by: 2).map { (Int32(byCampaign[$0]), byCampaign[$0 + 1]) }),
            violationsBySeverity: Dictionary(uniqueKeysWithValues: violationsBySeverity.map { (Severity(rawValue: $0.key)!, $0.count) }),
            evidence: Dictionary(uniqueKeysWithValues: evidence.map { (ConsentRule(rawValue: $0.rule)!, $0.violationRows) }),
            violations: violations,
            rejected: Dictionary(uniqueKeysWithValues: rejected.compactMap { c in InputKind(rawValue: c.key).map { ($0, Int(c.count)) } }),
            refusedSignals: Dictionary(
                uniqueKeysWithValues: refusedSignals.compactMap { r in
                    SignalRejection.Reason(rawValue: r.reason).map { (RefusedSignal(column: r.column, reason: $0), r.count) }
                }),
            consentRecords: consentRecords, erasureRequests: erasureRequests, campaignSeen: Packed.integers(campaignSeen),
            campaignNameSeen: Packed.integers(campaignNameSeen), currencySeen: Packed.integers(currencySeen))
    }

    /// The order of the counts in a row of ``engagement``.
    package static let engagementColumns = [
        "delivered", "opens", "clicks", "conversions", "bounces", "unsubscribes", "holdouts", "reach", "engaged",
        "control_subjects", "treated_converters", "control_converters",
    ]

    static func row(_ t: EngagementTotals) -> [Int64] {
        [t.delivered, t.opens, t.clicks, t.conversions, t.bounces, t.unsubscribes, t.holdouts, t.reach, t.engaged,
         t.controlSubjects, t.treatedConverters, t.controlConverters]
            + t.revenue.sorted { $0.key < $1.key }.flatMap { [Int64($0.key), $0.value] }
    }

    static func totals(_ row: [Int64]) -> EngagementTotals {
        var t = EngagementTotals()
        guard row.count >= engagementColumns.count else { return t }
        (t.delivered, t.opens, t.clicks, t.conversions, t.bounces, t.unsubscribes, t.holdouts) =
            (row[0], row[1], row[2], row[3], row[4], row[5], row[6])
        (t.reach, t.engaged, t.controlSubjects, t.treatedConverters, t.controlConverters) = (row[7], row[8], row[9], row[10], row[11])
        var index = engagementColumns.count
        while index + 1 < row.count {
            t.revenue[Int32(row[index])] = row[index + 1]
            index += 2
        }
        return t
    }

    // MARK: - Files

    package static let fileName = "partial.json"

    /// Writes the partial of a finished shard into `folder` (which holds its
    /// `violations.csv` and `rejected.csv` already): the indexes, then `partial.json` last,
    /// so a folder with `partial.json` is complete.
    func write(into folder: String, violations: ViolationLog, rejects: RejectLog) throws(TierwatchError) {
        try IndexedRows.writeIndex(positions: violations.positions, rowEnds: violations.rowEnds, to: folder + "/violations.index")
        try IndexedRows.writeIndex(positions: rejects.positions, rowEnds: rejects.rowEnds, to: folder + "/rejected.index")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data: Data
        do { data = try encoder.encode(self) } catch { throw TierwatchError(.internalError, "cannot encode the partial: \(error)") }
        try AtomicFile.write(bytes: Array(data), to: folder + "/" + Self.fileName)
    }

    /// Reads the partial in `folder`, naming the folder and what is wrong.
    static func read(_ folder: String) throws(TierwatchError) -> ShardPartial {
        let path = folder + "/" + fileName
        guard let data = FileManager.default.contents(atPath: path) else {
            // `tierwatch slurm`'s script leaves the exit status of a failed shard beside its folder.
            if let failed = FileManager.default.contents(atPath: folder + ".failed") {
                let status = String(decoding: failed, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                throw TierwatchError(.missingInput, "\(folder): this shard failed (exit \(status)); its log is \(folder).log")
            }
            throw TierwatchError(.missingInput, "\(folder): no \(fileName) (is it a finished shard's --partial folder?)")
        }
        let partial: ShardPartial
        do {
            partial = try JSONDecoder().decode(ShardPartial.self, from: data)
        } catch {
            throw TierwatchError(.badData, "\(path): not a Tierwatch partial: \(error)")
        }
        guard partial.format == format, partial.version == version else {
            throw TierwatchError(.badData, "\(path): format \(partial.format) version \(partial.version); this tierwatch reads \(format) version \(version)")
        }
        var unpacked = partial
        unpacked.unpacked = partial.unpack()
        return unpacked
    }
}

/// Integers packed as one string of comma-separated decimals (`"3,0,-1"`), read back by a
/// plain scan: a partial's long tables, which JSON decodes slowly as arrays of numbers.
enum Packed {
    static func text(_ values: [Int64]) -> String { values.map(String.init).joined(separator: ",") }

    /// The integers of `text`; an empty text is none. Anything but digits, `-` and commas
    /// reads as a separator (the text is the shard's own, checked by its format version).
    static func integers(_ text: String) -> [Int64] { rows(text).first ?? [] }

    /// Rows of integers separated by `;` (one scan, no intermediate strings).
    static func rows(_ text: String) -> [[Int64]] {
        var rows: [[Int64]] = []
        var row: [Int64] = []
        var text = text
        text.withUTF8 { bytes in
            var value: Int64 = 0, negative = false, inNumber = false
            func end() {
                if inNumber { row.append(negative ? -value : value) }
                value = 0
                negative = false
                inNumber = false
            }
            for byte in bytes {
                if byte >= 0x30 && byte <= 0x39 {
                    value = value &* 10 &+ Int64(byte - 0x30)
                    inNumber = true
                } else if byte == 0x2D {
                    negative = true
                } else {
                    end()
                    if byte == 0x3B {
                        rows.append(row)
                        row.removeAll(keepingCapacity: true)
                    }
                }
            }
            end()
            if !row.isEmpty || !rows.isEmpty { rows.append(row) }
        }
        return rows
    }
}
