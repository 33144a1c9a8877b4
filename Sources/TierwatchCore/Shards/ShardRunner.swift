import Foundation

/// `tierwatch run JOB --shard I/N --partial DIR` and `tierwatch merge JOB DIR...`.
///
/// A shard reads every row of every input (so rejections, row counts, hashes, campaign ids
/// and names are the single run's) and counts only its own subjects (``ShardSpec``). The
/// merge checks that the partials belong together, adds them up, interleaves the violation
/// rows in input order and then finishes exactly as a single run does: the same CSVs, byte
/// for byte, one run in the history, alerts and mail.
package struct ShardRunner {
    package let context: RunContext

    package init(context: RunContext) { self.context = context }

    /// Runs one shard into `folder`; nothing is published or recorded in the history.
    package func runShard(_ job: JobDefinition, period: ReportPeriod, index: Int, count: Int, into folder: String) throws(TierwatchError) {
        let lock = try JobLock(path: context.lockDirectory + "/\(job.id).shard-\(index)-of-\(count).lock", jobID: job.id)
        defer { withExtendedLifetime(lock) {} }
        try FileTree.makeDirectories(folder)
        // A folder with partial.json is a finished shard: the old one goes first.
        try FileTree.remove(folder + "/" + ShardPartial.fileName)
        let runner = JobRunner(context: context)
        let files = try runner.resolveInputs(job, period: period)
        let key = runner.pseudonymKey(job)
        let shard = ShardSpec(index: index, count: count, key: key ?? Pseudonymizer.publishedKey)
        let rejects = try RejectLog(path: folder + "/rejected.csv", mode: job.csvMode(for: "rejected.csv"))
        rejects.writesRows = index == 0
        let violations = try ViolationLog(
            path: folder + "/violations.csv", evidenceLimit: job.evidenceRows, mode: job.csvMode(for: "violations.csv"),
            tracksPositions: true)
        let figures = try runner.compute(
            job, period: period, files: files, key: key, rejects: rejects, violations: violations, workDirectory: folder, shard: shard)
        try rejects.close()
        try violations.close()
        let partial = ShardPartial(
            figures: figures, tool: "tierwatch \(context.toolVersion)", job: job, policyHash: Manifest.policyHash(job.policy),
            period: period, shard: shard)
        try partial.write(into: folder, violations: violations)
    }

    /// Merges the partials in `folders` and finishes the run as `JobRunner` does.
    package func merge(_ job: JobDefinition, period: ReportPeriod, folders: [String]) throws(TierwatchError) -> RunOutcome {
        let partials = try folders.map { folder throws(TierwatchError) in (folder, try ShardPartial.read(folder)) }
        let ordered = try Self.check(partials, job: job, policyHash: Manifest.policyHash(job.policy), period: period,
                                     tool: "tierwatch \(context.toolVersion)")
        let figures = Self.combine(ordered.map(\.1), evidenceLimit: job.evidenceRows)
        return try JobRunner(context: context).run(job, period: period, trigger: "merge", shards: ordered.count) { staging throws(TierwatchError) in
            try Self.mergeViolations(ordered, into: staging + "/violations.csv", mode: job.csvMode(for: "violations.csv").rawValue)
            guard let rejected = FileManager.default.contents(atPath: ordered[0].0 + "/rejected.csv") else {
                throw TierwatchError(.missingInput, "\(ordered[0].0): rejected.csv is missing")
            }
            try AtomicFile.write(bytes: Array(rejected), to: staging + "/rejected.csv")
            return figures
        }
    }

    /// The partials in shard order, once they are shown to belong together.
    static func check(
        _ partials: [(String, ShardPartial)], job: JobDefinition, policyHash: String, period: ReportPeriod, tool: String
    ) throws(TierwatchError) -> [(String, ShardPartial)] {
        guard let first = partials.first else { throw TierwatchError(.usage, "merge needs the --partial folders of every shard") }
        var problems: [String] = []
        let expectedPeriod = ShardPartial.Period(label: period.label, start: period.start, end: period.end, timezone: period.timeZoneIdentifier)
        for (folder, p) in partials {
            if p.job != job.id { problems.append("\(folder): a partial of job \(p.job), not \(job.id)") }
            if p.jobSHA256 != job.hash { problems.append("\(folder): made from another version of the job file (sha256 \(p.jobSHA256.prefix(12)), now \(job.hash.prefix(12)))") }
            if p.policySHA256 != policyHash { problems.append("\(folder): made under another policy (sha256 \(p.policySHA256.prefix(12)), now \(policyHash.prefix(12)))") }
            if p.period != expectedPeriod { problems.append("\(folder): period \(p.period.label), not \(period.label)") }
            if p.tool != tool { problems.append("\(folder): made by \(p.tool), this is \(tool)") }
            if p.shardCount != first.1.shardCount { problems.append("\(folder): shard \(p.shardIndex) of \(p.shardCount), the first folder is one of \(first.1.shardCount)") }
            if p.inputs != first.1.inputs { problems.append("\(folder): read other input files than \(first.0) (names, SHA-256 or row counts differ)") }
            if p.violationMode != first.1.violationMode { problems.append("\(folder): violations.csv written in \(p.violationMode) mode") }
        }
        if !problems.isEmpty { throw TierwatchError(.badData, problems.joined(separator: "\n")) }
        let count = first.1.shardCount
        var byIndex: [Int: String] = [:]
        for (folder, p) in partials {
            if let other = byIndex[p.shardIndex] { problems.append("shard \(p.shardIndex) of \(count) is given twice: \(other) and \(folder)") }
            byIndex[p.shardIndex] = folder
        }
        let missing = (0..<count).filter { byIndex[$0] == nil }
        if !missing.isEmpty {
            problems.append("missing shard\(missing.count == 1 ? "" : "s") \(missing.map(String.init).joined(separator: ", ")) of \(count)")
        }
        if !problems.isEmpty { throw TierwatchError(.badData, problems.joined(separator: "\n")) }
        // Every shard reads every row: what does not depend on subjects must agree.
        let ordered = partials.sorted { $0.1.shardIndex < $1.1.shardIndex }
        for (folder, p) in ordered.dropFirst() {
            let zero = ordered[0].1
            if p.campaignIDs != zero.campaignIDs || p.campaignNames != zero.campaignNames || p.campaignTiers != zero.campaignTiers
                || p.currencies != zero.currencies || p.rejected != zero.rejected || p.refusedSignals != zero.refusedSignals
            {
                throw TierwatchError(.badData, "\(folder): its campaigns, currencies or rejected rows differ from shard 0's: not the same inputs read the same way")
            }
        }
        return ordered
    }

    /// Adds up the shards' figures (campaign ids, names and currencies are the same in each).
    static func combine(_ partials: [ShardPartial], evidenceLimit: Int) -> RunFigures {
        var total = partials[0].figures
        for partial in partials.dropFirst() {
            let f = partial.figures
            if f.engagement.count > total.engagement.count {
                total.engagement += Array(repeating: EngagementTotals(), count: f.engagement.count - total.engagement.count)
            }
            for index in f.engagement.indices { total.engagement[index].addDisjoint(f.engagement[index]) }
            for index in total.surveys.indices { total.surveys[index].add(f.surveys[index]) }
            for index in total.privacyByTier.indices { total.privacyByTier[index].add(f.privacyByTier[index]) }
            for index in total.privacyByJurisdiction.indices { total.privacyByJurisdiction[index].add(f.privacyByJurisdiction[index]) }
            total.violationMatrix.merge(f.violationMatrix, uniquingKeysWith: +)
            total.violationsByCampaign.merge(f.violationsByCampaign, uniquingKeysWith: +)
            total.violationsBySeverity.merge(f.violationsBySeverity, uniquingKeysWith: +)
            total.violations += f.violations
            total.consentRecords += f.consentRecords
            total.erasureRequests += f.erasureRequests
        }
        // The first evidence rows per rule in input order: each shard kept its own first ones.
        var evidence: [ConsentRule: [ViolationRow]] = [:]
        for rule in ConsentRule.allCases {
            let rows = partials.flatMap { $0.figures.evidence[rule] ?? [] }
            guard !rows.isEmpty else { continue }
            evidence[rule] = Array(rows.enumerated().sorted { ($0.element.position, $0.offset) < ($1.element.position, $1.offset) }
                .prefix(evidenceLimit).map(\.element))
        }
        total.evidence = evidence
        return total
    }

    /// Writes the header and every shard's violation rows, interleaved by input position.
    static func mergeViolations(_ partials: [(String, ShardPartial)], into path: String, mode: String) throws(TierwatchError) {
        let writer = try CSVWriter(path: path, header: ViolationLog.header, mode: CSVMode(rawValue: mode) ?? .spreadsheet)
        try writer.flush()
        var sources: [ViolationSource] = []
        for (folder, _) in partials { sources.append(try ViolationSource(folder: folder)) }
        defer { for source in sources { source.close() } }
        var output = FileHandle(forWritingAtPath: path)
        guard let handle = output else { throw TierwatchError(.ioError, "cannot open \(path)") }
        handle.seekToEndOfFile()
        var pending = Data()
        while true {
            var best: Int?
            for index in sources.indices where sources[index].hasRow {
                if best == nil || sources[index].position < sources[best!].position { best = index }
            }
            guard let next = best else { break }
            pending.append(try sources[next].takeRow())
            if pending.count >= 1 << 20 {
                handle.write(pending)
                pending.removeAll(keepingCapacity: true)
            }
        }
        handle.write(pending)
        do { try handle.synchronize() } catch { throw TierwatchError(.ioError, "cannot sync \(path): \(error)") }
        try? handle.close()
        output = nil
    }
}

extension EngagementTotals {
    /// Adds the totals of another shard: its people are nobody else's, so the distinct
    /// counts add up too.
    mutating func addDisjoint(_ other: EngagementTotals) {
        add(other)
        reach += other.reach
        engaged += other.engaged
        controlSubjects += other.controlSubjects
        treatedConverters += other.treatedConverters
        controlConverters += other.controlConverters
        revenue.merge(other.revenue, uniquingKeysWith: +)
    }
}

extension SurveyTotals {
    mutating func add(_ other: SurveyTotals) {
        responses += other.responses
        csatResponses += other.csatResponses
        csatSum += other.csatSum
        csatSatisfied += other.csatSatisfied
        npsResponses += other.npsResponses
        promoters += other.promoters
        detractors += other.detractors
        intrusiveResponses += other.intrusiveResponses
        intrusiveYes += other.intrusiveYes
    }
}

/// One shard's violation rows, read in order with their positions.
final class ViolationSource {
    private let index: [UInt8]
    private let file: FileHandle
    private let folder: String
    private var row = 0
    private var offset: Int64
    private let rows: Int

    init(folder: String) throws(TierwatchError) {
        self.folder = folder
        guard let index = FileManager.default.contents(atPath: folder + "/violations.index"),
            let file = FileHandle(forReadingAtPath: folder + "/violations.csv")
        else { throw TierwatchError(.missingInput, "\(folder): violations.csv or violations.index is missing") }
        guard index.count % 16 == 0 else { throw TierwatchError(.badData, "\(folder)/violations.index: cut short") }
        self.index = Array(index)
        self.file = file
        rows = index.count / 16
        // The rows start after the header: where the first row ends minus its length is not
        // known, so the header is skipped by reading its line.
        var header = 0
        let start = file.readData(ofLength: 4096)
        if let end = start.firstIndex(of: 0x0A) { header = end + 1 }
        offset = Int64(header)
        file.seek(toFileOffset: UInt64(offset))
    }

    var hasRow: Bool { row < rows }

    private func value(_ at: Int) -> Int64 {
        var v: Int64 = 0
        for byte in index[at..<at + 8].reversed() { v = v << 8 | Int64(byte) }
        return v
    }

    var position: Int64 { value(row * 16) }

    func takeRow() throws(TierwatchError) -> Data {
        let end = value(row * 16 + 8)
        guard end > offset else { throw TierwatchError(.badData, "\(folder)/violations.index: row \(row + 1) ends before it starts") }
        let data = file.readData(ofLength: Int(end - offset))
        guard data.count == Int(end - offset) else { throw TierwatchError(.badData, "\(folder)/violations.csv: shorter than its index says") }
        offset = end
        row += 1
        return data
    }

    func close() { try? file.close() }
}
