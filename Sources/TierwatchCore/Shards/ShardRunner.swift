import Foundation

/// `tierwatch run JOB --shard I/N --partial DIR` and `tierwatch merge JOB DIR...`.
///
/// A shard reads every row of the inputs that are not split in parts (so their rejections,
/// row counts and hashes are the single run's) and only its own parts of those that are
/// (``ShardParts``), and counts only its own subjects (``ShardSpec``). The merge checks that
/// the partials belong together, adds them up, puts campaigns, currencies, violation rows
/// and rejected rows in input order and then finishes exactly as a single run does: the
/// same CSVs, byte for byte, one run in the history, alerts and mail.
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
        let all = try runner.resolveInputs(job, period: period)
        let files = try Self.ownFiles(all, index: index, count: count)
        let key = runner.pseudonymKey(job)
        let shard = ShardSpec(index: index, count: count, key: key ?? Pseudonymizer.publishedKey)
        let rejects = try RejectLog(path: folder + "/rejected.csv", mode: job.csvMode(for: "rejected.csv"))
        rejects.shardIndex = index
        let violations = try ViolationLog(
            path: folder + "/violations.csv", evidenceLimit: job.evidenceRows, mode: job.csvMode(for: "violations.csv"),
            tracksPositions: true)
        let figures = try runner.compute(
            job, period: period, files: files, key: key, rejects: rejects, violations: violations, workDirectory: folder, shard: shard)
        if shard.misplaced.count > 0 {
            let examples = InputKind.readingOrder.flatMap { rejects.examples[$0] ?? [] }
                .filter { $0.contains(ShardSpec.misplacedReason) }.map { "\n  \($0)" }.joined()
            throw TierwatchError(
                .badData,
                "\(shard.misplaced.count) rows of shard \(index)'s parts name subjects of other shards: the parts were not split for \(count) shards with this pseudonym key (tierwatch split writes them):\(examples)")
        }
        try rejects.close()
        try violations.close()
        let partial = ShardPartial(
            figures: figures, tool: "tierwatch \(context.toolVersion)", job: job, policyHash: Manifest.policyHash(job.policy),
            period: period, shard: shard, files: files, fileCounts: all.mapValues(\.count))
        try partial.write(into: folder, violations: violations, rejects: rejects)
    }

    /// The files shard `index` of `count` reads: every file of an input not split in parts,
    /// and its own parts of one that is. A part of a shard beyond `count` is an error: its
    /// rows would be nobody's.
    static func ownFiles(
        _ files: [InputKind: [ResolvedFile]], index: Int, count: Int
    ) throws(TierwatchError) -> [InputKind: [ResolvedFile]] {
        var own: [InputKind: [ResolvedFile]] = [:]
        for kind in InputKind.readingOrder {
            guard let list = files[kind] else { continue }
            if let stray = list.first(where: { ($0.shard ?? 0) >= count }) {
                throw TierwatchError(
                    .badData, "\(kind.rawValue): \(stray.display) is a part of shard \(stray.shard!), but this run has \(count) shards: split the inputs for \(count)")
            }
            own[kind] = list.filter { $0.shard == nil || $0.shard == index }
        }
        return own
    }

    /// Merges the partials in `folders` and finishes the run as `JobRunner` does.
    package func merge(_ job: JobDefinition, period: ReportPeriod, folders: [String]) throws(TierwatchError) -> RunOutcome {
        // Read (decoded) on every processor: JSON decoding is most of a merge's own work.
        var read = [Result<ShardPartial, TierwatchError>?](repeating: nil, count: folders.count)
        read.withUnsafeMutableBufferPointer { results in
            let results = UncheckedSendable(results)
            Parallel.run(folders.count) { index in
                results.value[index] = Result { () throws(TierwatchError) in try ShardPartial.read(folders[index]) }
            }
        }
        let partials = try zip(folders, read).map { folder, result throws(TierwatchError) in (folder, try result!.get()) }
        let ordered = try Self.check(partials, job: job, policyHash: Manifest.policyHash(job.policy), period: period,
                                     tool: "tierwatch \(context.toolVersion)")
        let figures = try Self.combine(ordered, evidenceLimit: job.evidenceRows)
        return try JobRunner(context: context).run(job, period: period, trigger: "merge", shards: ordered.count) { staging throws(TierwatchError) in
            try Self.mergeRows(
                ordered.map(\.0), name: "violations", header: ViolationLog.header, into: staging + "/violations.csv",
                mode: job.csvMode(for: "violations.csv"))
            try Self.mergeRows(
                ordered.map(\.0), name: "rejected", header: RejectLog.header, into: staging + "/rejected.csv",
                mode: job.csvMode(for: "rejected.csv"))
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
        return partials.sorted { $0.1.shardIndex < $1.1.shardIndex }
    }

    /// Adds up the shards' figures. Campaigns and currencies are numbered in order of first
    /// appearance in the input, as one read numbers them; each shard's numbers are
    /// translated to those.
    static func combine(_ partials: [(String, ShardPartial)], evidenceLimit: Int) throws(TierwatchError) -> RunFigures {
        let figures = partials.map { $0.1.figures }
        var total = figures[0]
        total.inputs = try mergedInputs(partials)

        let campaigns = FirstSeen(figures.map { ($0.campaignIDs, $0.campaignSeen) })
        let currencies = FirstSeen(figures.map { ($0.currencies, $0.currencySeen) })
        total.campaignIDs = campaigns.keys
        total.currencies = currencies.keys
        total.campaignTiers = Array(repeating: 0, count: campaigns.keys.count)
        total.campaignNames = Array(repeating: nil, count: campaigns.keys.count)
        var namePositions = Array(repeating: Int64.max, count: campaigns.keys.count)
        total.engagement = Array(repeating: EngagementTotals(), count: EngagementAccumulator.firstCampaignGroup + campaigns.keys.count)
        total.violationsByCampaign = [:]
        for (shard, f) in figures.enumerated() {
            let campaign = campaigns.maps[shard], currency = currencies.maps[shard]
            for (local, merged) in campaign.enumerated() {
                total.campaignTiers[merged] |= f.campaignTiers[local]
                if let name = f.campaignNames[local], f.campaignNameSeen[local] < namePositions[merged] {
                    total.campaignNames[merged] = name
                    namePositions[merged] = f.campaignNameSeen[local]
                }
            }
            for (group, totals) in f.engagement.enumerated() {
                var totals = totals
                totals.revenue = Dictionary(uniqueKeysWithValues: totals.revenue.map { (Int32(currency[Int($0.key)]), $0.value) })
                let target = group < EngagementAccumulator.firstCampaignGroup
                    ? group : EngagementAccumulator.group(campaign: Int32(campaign[group - EngagementAccumulator.firstCampaignGroup]))
                total.engagement[target].addDisjoint(totals)
            }
            for (key, value) in f.violationsByCampaign { total.violationsByCampaign[Int32(campaign[Int(key)]), default: 0] += value }
            guard shard > 0 else { continue }
            for index in total.surveys.indices { total.surveys[index].add(f.surveys[index]) }
            for index in total.privacyByTier.indices { total.privacyByTier[index].add(f.privacyByTier[index]) }
            for index in total.privacyByJurisdiction.indices { total.privacyByJurisdiction[index].add(f.privacyByJurisdiction[index]) }
            total.violationMatrix.merge(f.violationMatrix, uniquingKeysWith: +)
            total.violationsBySeverity.merge(f.violationsBySeverity, uniquingKeysWith: +)
            total.violations += f.violations
            total.consentRecords += f.consentRecords
            total.erasureRequests += f.erasureRequests
            total.rejected.merge(f.rejected, uniquingKeysWith: +)
            total.refusedSignals.merge(f.refusedSignals, uniquingKeysWith: +)
        }
        // The first evidence rows per rule in input order: each shard kept its own first ones.
        var evidence: [ConsentRule: [ViolationRow]] = [:]
        for rule in ConsentRule.allCases {
            let rows = figures.flatMap { $0.evidence[rule] ?? [] }
            guard !rows.isEmpty else { continue }
            evidence[rule] = Array(rows.enumerated().sorted { ($0.element.position, $0.offset) < ($1.element.position, $1.offset) }
                .prefix(evidenceLimit).map(\.element))
        }
        total.evidence = evidence
        return total
    }

    /// Every input's files as a single run lists them: each shard's, by their place in the
    /// input; a file every shard read (not split) must be the same in each.
    static func mergedInputs(_ partials: [(String, ShardPartial)]) throws(TierwatchError) -> [(kind: InputKind, files: [InputFileRecord])] {
        var merged: [(kind: InputKind, files: [InputFileRecord])] = []
        for (position, input) in partials[0].1.inputs.enumerated() {
            guard let kind = InputKind(rawValue: input.kind) else { throw TierwatchError(.badData, "\(partials[0].0): unknown input \(input.kind)") }
            var files: [InputFileRecord?] = Array(repeating: nil, count: input.fileCount)
            for (folder, partial) in partials {
                guard position < partial.inputs.count, partial.inputs[position].kind == input.kind,
                    partial.inputs[position].fileCount == input.fileCount, partial.inputs[position].orders.count == partial.inputs[position].files.count
                else {
                    throw TierwatchError(.badData, "\(folder): listed other \(input.kind) files than \(partials[0].0)")
                }
                for (order, record) in zip(partial.inputs[position].orders, partial.inputs[position].files) {
                    guard order >= 0 && order < files.count else { throw TierwatchError(.badData, "\(folder): \(input.kind) file \(order) of \(files.count)?") }
                    if let other = files[order], other != record {
                        throw TierwatchError(.badData, "\(folder): read \(record.path) otherwise than \(partials[0].0) (SHA-256 or row counts differ: the file changed between shards?)")
                    }
                    files[order] = record
                }
            }
            if let missing = files.firstIndex(where: { $0 == nil }) {
                throw TierwatchError(.badData, "no shard read \(input.kind) file \(missing + 1) of \(files.count): a part of a shard that is not among the partials?")
            }
            merged.append((kind, files.map { $0! }))
        }
        return merged
    }

    /// Writes the header and the shards' `NAME.csv` rows, interleaved by the positions in
    /// their `NAME.index`.
    static func mergeRows(_ folders: [String], name: String, header: [String], into path: String, mode: CSVMode) throws(TierwatchError) {
        let writer = try CSVWriter(path: path, header: header, mode: mode)
        try writer.flush()
        var sources: [IndexedRows] = []
        for folder in folders { sources.append(try IndexedRows(folder: folder, name: name)) }
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw TierwatchError(.ioError, "cannot open \(path): \(AtomicFile.errorText())") }
        defer { close(fd) }
        var pending: [UInt8] = []
        pending.reserveCapacity(1 << 20)
        func write() throws(TierwatchError) {
            try AtomicFile.writeAll(fd, pending, path: path)
            pending.removeAll(keepingCapacity: true)
        }
        while true {
            var best: Int?
            for index in sources.indices where sources[index].hasRow {
                if best == nil || sources[index].position < sources[best!].position { best = index }
            }
            guard let next = best else { break }
            try sources[next].takeRow(into: &pending)
            if pending.count >= 1 << 20 { try write() }
        }
        try write()
        guard fsync(fd) == 0 else { throw TierwatchError(.ioError, "cannot sync \(path): \(AtomicFile.errorText())") }
    }
}

/// Keys (campaign or currency ids) that several shards numbered each in their own order,
/// numbered again in order of first appearance in the input.
struct FirstSeen {
    /// The keys in the merged order.
    let keys: [String]
    /// Per shard: its number of each key → the merged number.
    let maps: [[Int]]

    init(_ shards: [(keys: [String], seen: [Int64])]) {
        var first: [String: Int64] = [:]
        for shard in shards {
            for (index, key) in shard.keys.enumerated() {
                let position = index < shard.seen.count ? shard.seen[index] : .max
                first[key] = min(first[key] ?? .max, position)
            }
        }
        keys = first.sorted {
            $0.value != $1.value ? $0.value < $1.value : Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8))
        }.map(\.key)
        let number = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($0.element, $0.offset) })
        maps = shards.map { $0.keys.map { number[$0]! } }
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

/// One shard's `NAME.csv` rows, read in order with their positions from `NAME.index`.
/// Both files are read front to back through a window of a block or so: the merge's memory
/// does not grow with the number of rows.
final class IndexedRows {
    private let index: SequentialFile
    private let csv: SequentialFile
    private let path: String
    private var row = 0
    private let rows: Int
    private var next: (position: Int64, end: Int64)?

    /// Writes an index: per row, its position and where it ends (little-endian 64-bit pairs).
    static func writeIndex(positions: [Int64], rowEnds: [Int64], to path: String) throws(TierwatchError) {
        var index = [UInt8]()
        index.reserveCapacity(positions.count * 16)
        for (position, end) in zip(positions, rowEnds) {
            withUnsafeBytes(of: position.littleEndian) { index.append(contentsOf: $0) }
            withUnsafeBytes(of: end.littleEndian) { index.append(contentsOf: $0) }
        }
        try AtomicFile.write(bytes: index, to: path)
    }

    init(folder: String, name: String) throws(TierwatchError) {
        path = folder + "/" + name + ".csv"
        index = try SequentialFile(path: folder + "/" + name + ".index")
        csv = try SequentialFile(path: path)
        guard index.size % 16 == 0 else { throw TierwatchError(.badData, "\(folder)/\(name).index: cut short") }
        rows = Int(index.size / 16)
        // The rows start after the header line.
        try csv.skipLine()
        try advance()
    }

    private func advance() throws(TierwatchError) {
        guard row < rows else { next = nil; return }
        var pair = (Int64(0), Int64(0))
        try index.take(16) { bytes in
            pair = (bytes.loadUnaligned(fromByteOffset: 0, as: Int64.self).littleEndian,
                    bytes.loadUnaligned(fromByteOffset: 8, as: Int64.self).littleEndian)
        }
        next = pair
    }

    var hasRow: Bool { next != nil }

    var position: Int64 { next!.position }

    func takeRow(into output: inout [UInt8]) throws(TierwatchError) {
        let end = next!.end
        guard end > csv.offset else { throw TierwatchError(.badData, "\(path): row \(row + 1) of its index ends before it starts") }
        guard end <= csv.size else { throw TierwatchError(.badData, "\(path): shorter than its index says") }
        try csv.take(Int(end - csv.offset)) { output.append(contentsOf: $0) }
        row += 1
        try advance()
    }
}

/// A file read front to back in blocks, handing out the next bytes.
final class SequentialFile {
    private let fd: Int32
    private let path: String
    let size: Int64
    /// The file offset of the next byte to hand out.
    private(set) var offset: Int64 = 0
    private var window: [UInt8] = []
    private var start = 0

    init(path: String) throws(TierwatchError) {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TierwatchError(.missingInput, "cannot open \(path): \(AtomicFile.errorText())") }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw TierwatchError(.ioError, "cannot read \(path): \(AtomicFile.errorText())") }
        size = Int64(info.st_size)
    }

    deinit { close(fd) }

    /// Calls `body` with the next `count` bytes.
    func take(_ count: Int, _ body: (UnsafeRawBufferPointer) -> Void) throws(TierwatchError) {
        try fill(count)
        window.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start..<start + count])) }
        start += count
        offset += Int64(count)
    }

    /// Skips past the next line end (the header of a CSV).
    func skipLine() throws(TierwatchError) {
        while true {
            try fill(1, orLess: true)
            guard start < window.count else { return }
            if let end = window[start...].firstIndex(of: 0x0A) {
                offset += Int64(end + 1 - start)
                start = end + 1
                return
            }
            offset += Int64(window.count - start)
            start = window.count
        }
    }

    /// Makes `count` bytes available from `start` (or what is left of the file).
    private func fill(_ count: Int, orLess: Bool = false) throws(TierwatchError) {
        guard window.count - start < count else { return }
        window.removeSubrange(..<start)
        start = 0
        let block = max(count - window.count, 1 << 20)
        let old = window.count
        window.append(contentsOf: repeatElement(0, count: block))
        var filled = old
        while filled < old + block {
            let read = window.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + filled, old + block - filled, off_t(offset) + off_t(filled)) }
            if read < 0 {
                if errno == EINTR { continue }
                throw TierwatchError(.ioError, "cannot read \(path): \(AtomicFile.errorText())")
            }
            if read == 0 { break }
            filled += read
        }
        window.removeSubrange(filled...)
        guard orLess || window.count >= count else { throw TierwatchError(.badData, "\(path): shorter than its index says") }
    }
}
