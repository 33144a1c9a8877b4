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
/// - `rejected.csv`: the rejected rows (shard 0 writes them; the others only count them).
package struct ShardPartial: Codable {
    package static let format = "tierwatch-partial"
    package static let version = 1

    package struct Period: Codable, Equatable {
        var label: String
        var start: Int64
        var end: Int64
        var timezone: String
    }

    package struct Input: Codable, Equatable {
        var kind: String
        var files: [InputFileRecord]
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

    package struct Evidence: Codable {
        var rule: Int
        var rows: [ViolationRow]
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

    var engagement: [EngagementTotals]
    var campaignIDs: [String]
    var campaignNames: [String?]
    var campaignTiers: [UInt8]
    var surveys: [SurveyTotals]
    var privacyByTier: [PrivacyTotals]
    var privacyByJurisdiction: [PrivacyTotals]
    var currencies: [String]
    var inputs: [Input]
    var violationMatrix: [MatrixCell]
    var violationsByCampaign: [Count<Int32>]
    var violationsBySeverity: [Count<Int>]
    var evidence: [Evidence]
    var violations: Int64
    var rejected: [Count<String>]
    var refusedSignals: [RefusedSignalCount]
    var consentRecords: Int
    var erasureRequests: Int

    package struct RefusedSignalCount: Codable, Equatable {
        var column: String
        var reason: String
        var count: Int
    }

    init(
        figures f: RunFigures, tool: String, job: JobDefinition, policyHash: String, period: ReportPeriod, shard: ShardSpec
    ) {
        self.tool = tool
        self.job = job.id
        jobSHA256 = job.hash
        policySHA256 = policyHash
        self.period = Period(label: period.label, start: period.start, end: period.end, timezone: period.timeZoneIdentifier)
        shardIndex = shard.index
        shardCount = shard.count
        violationMode = job.csvMode(for: "violations.csv").rawValue
        engagement = f.engagement
        campaignIDs = f.campaignIDs
        campaignNames = f.campaignNames
        campaignTiers = f.campaignTiers
        surveys = f.surveys
        privacyByTier = f.privacyByTier
        privacyByJurisdiction = f.privacyByJurisdiction
        currencies = f.currencies
        inputs = f.inputs.map { Input(kind: $0.kind.rawValue, files: $0.files) }
        violationMatrix = f.violationMatrix.map {
            MatrixCell(rule: $0.key.rule.rawValue, tier: $0.key.tier.rawValue, jurisdiction: $0.key.jurisdiction, count: $0.value)
        }.sorted { ($0.rule, $0.tier, $0.jurisdiction) < ($1.rule, $1.tier, $1.jurisdiction) }
        violationsByCampaign = f.violationsByCampaign.map { Count(key: $0.key, count: $0.value) }.sorted { $0.key < $1.key }
        violationsBySeverity = f.violationsBySeverity.map { Count(key: $0.key.rawValue, count: $0.value) }.sorted { $0.key < $1.key }
        evidence = ConsentRule.allCases.compactMap { rule in f.evidence[rule].map { Evidence(rule: rule.rawValue, rows: $0) } }
        violations = f.violations
        rejected = f.rejected.map { Count(key: $0.key.rawValue, count: Int64($0.value)) }.sorted { $0.key < $1.key }
        refusedSignals = f.refusedSignals.keys.sorted().map {
            RefusedSignalCount(column: $0.column, reason: $0.reason.rawValue, count: f.refusedSignals[$0]!)
        }
        consentRecords = f.consentRecords
        erasureRequests = f.erasureRequests
    }

    enum CodingKeys: String, CodingKey {
        case format, version, tool, job, jobSHA256 = "job_sha256", policySHA256 = "policy_sha256", period
        case shardIndex = "shard_index", shardCount = "shard_count", violationMode = "violations_csv_mode"
        case engagement, campaignIDs = "campaign_ids", campaignNames = "campaign_names", campaignTiers = "campaign_tiers"
        case surveys, privacyByTier = "privacy_by_tier", privacyByJurisdiction = "privacy_by_jurisdiction", currencies
        case inputs, violationMatrix = "violation_matrix", violationsByCampaign = "violations_by_campaign"
        case violationsBySeverity = "violations_by_severity", evidence, violations, rejected
        case refusedSignals = "refused_signals", consentRecords = "consent_records", erasureRequests = "erasure_requests"
    }

    /// The figures again, as `RunFigures` (evidence as the shard found it).
    var figures: RunFigures {
        RunFigures(
            engagement: engagement, campaignIDs: campaignIDs, campaignNames: campaignNames, campaignTiers: campaignTiers,
            surveys: surveys, privacyByTier: privacyByTier, privacyByJurisdiction: privacyByJurisdiction,
            currencies: currencies,
            inputs: inputs.compactMap { input in InputKind(rawValue: input.kind).map { ($0, input.files) } },
            violationMatrix: Dictionary(
                uniqueKeysWithValues: violationMatrix.map {
                    (ViolationLog.MatrixKey(rule: ConsentRule(rawValue: $0.rule)!, tier: Tier(rawValue: $0.tier)!, jurisdiction: $0.jurisdiction), $0.count)
                }),
            violationsByCampaign: Dictionary(uniqueKeysWithValues: violationsByCampaign.map { ($0.key, $0.count) }),
            violationsBySeverity: Dictionary(uniqueKeysWithValues: violationsBySeverity.map { (Severity(rawValue: $0.key)!, $0.count) }),
            evidence: Dictionary(uniqueKeysWithValues: evidence.map { (ConsentRule(rawValue: $0.rule)!, $0.rows) }),
            violations: violations,
            rejected: Dictionary(uniqueKeysWithValues: rejected.compactMap { c in InputKind(rawValue: c.key).map { ($0, Int(c.count)) } }),
            refusedSignals: Dictionary(
                uniqueKeysWithValues: refusedSignals.compactMap { r in
                    SignalRejection.Reason(rawValue: r.reason).map { (RefusedSignal(column: r.column, reason: $0), r.count) }
                }),
            consentRecords: consentRecords, erasureRequests: erasureRequests)
    }

    // MARK: - Files

    package static let fileName = "partial.json"

    /// Writes the partial of a finished shard into `folder` (which holds its
    /// `violations.csv` and `rejected.csv` already): the index, then `partial.json` last, so
    /// a folder with `partial.json` is complete.
    func write(into folder: String, violations: ViolationLog) throws(TierwatchError) {
        var index = [UInt8]()
        index.reserveCapacity(violations.positions.count * 16)
        for (position, end) in zip(violations.positions, violations.rowEnds) {
            withUnsafeBytes(of: position.littleEndian) { index.append(contentsOf: $0) }
            withUnsafeBytes(of: end.littleEndian) { index.append(contentsOf: $0) }
        }
        try AtomicFile.write(bytes: index, to: folder + "/violations.index")
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
        return partial
    }
}
