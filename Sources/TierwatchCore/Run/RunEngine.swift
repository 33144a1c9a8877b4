/// Everything a run computed, before it is formatted: one model for every writer.
package struct RunFigures {
    package var engagement: [EngagementTotals]
    package var campaignIDs: [String]
    package var campaignNames: [String?]
    /// Tiers seen per campaign, as bits of `Tier.rawValue`.
    package var campaignTiers: [UInt8]
    package var surveys: [SurveyTotals]
    package var privacyByTier: [PrivacyTotals]
    package var privacyByJurisdiction: [PrivacyTotals]
    package var currencies: [String]
    package var inputs: [(kind: InputKind, files: [InputFileRecord])]
    package var violationMatrix: [ViolationLog.MatrixKey: Int64]
    package var violationsByCampaign: [Int32: Int64]
    package var violationsBySeverity: [Severity: Int64]
    package var evidence: [ConsentRule: [ViolationRow]]
    package var violations: Int64
    package var rejected: [InputKind: Int]
    /// Consents rows whose signal was refused, per column and reason (counted in `rejected` too).
    package var refusedSignals: [RefusedSignal: Int]
    package var consentRecords: Int
    package var erasureRequests: Int
    /// Input positions (``ViolationEntry/position``) where each campaign, its name and each
    /// currency first appear: shards that read different parts merge their campaigns and
    /// currencies into the single run's order with them (``ShardRunner``).
    package var campaignSeen: [Int64] = []
    package var campaignNameSeen: [Int64] = []
    package var currencySeen: [Int64] = []
}

/// Reads a job's inputs for one period in a single streaming pass per input, and computes
/// the metrics and the consent cross-check.
///
/// Order matters: erasures and consents first (the history every use is checked against),
/// then events, then surveys. Consents and events are read in parts on up to `threads`
/// threads (``ConsentPart``, ``EventPart``), merged in input order as they finish
/// (``InputScanner``). Memory grows with subjects, campaigns and
/// consent records, never with the number of events.
package final class RunEngine {
    private let job: JobDefinition
    private let period: ReportPeriod
    private let threads: Int
    private let minimumPartBytes: Int64
    /// The staging folder: parts keep their rows here until they are merged.
    private let workDirectory: String
    private let subjects = ByteInterner(capacity: 1 << 16)
    private let campaigns = ByteInterner(capacity: 256)
    private let purposes = ByteInterner(capacity: 16)
    private let currencies = ByteInterner(capacity: 8)
    private let sources = ByteInterner(capacity: 16)
    private let tiers = ByteInterner(capacity: 8)
    private let eventTypes = ByteInterner(capacity: 8)
    private let statuses = ByteInterner(capacity: 4)
    private let jurisdictions = ByteInterner(capacity: 8)
    private let evaluator: PolicyEvaluator
    private let signalMapping: SignalMapping
    private let pseudonyms: Pseudonymizer
    private let rejects: RejectLog
    private let violationLog: ViolationLog
    /// In a sharded run, the subjects this run owns (``ShardSpec``).
    private let shard: ShardSpec?
    /// Whether the erasures or surveys being read are from one of the shard's own parts.
    private var inPart = false

    private var engagement = EngagementAccumulator()
    private var mergedParts = 0
    private var surveys = Array(repeating: SurveyTotals(), count: Tier.allCases.count + 1)
    private var privacyByTier = Array(repeating: PrivacyTotals(), count: Tier.allCases.count + 1)
    private var privacyByJurisdiction: [PrivacyTotals]
    private var campaignNames: [String?] = []
    private var campaignTiers: [UInt8] = []
    private var campaignSeen: [Int64] = []
    private var campaignNameSeen: [Int64] = []
    private var currencySeen: [Int64] = []
    private var consentBuilder: ConsentHistory.Builder? = ConsentHistory.Builder()
    private var consentRecords = 0
    private var erasureCount = 0

    package init(
        job: JobDefinition, period: ReportPeriod, pseudonymizer: Pseudonymizer, rejects: RejectLog,
        violations: ViolationLog, threads: Int = 1, minimumPartBytes: Int64 = 8 << 20, workDirectory: String,
        shard: ShardSpec? = nil
    ) {
        self.shard = shard
        self.minimumPartBytes = minimumPartBytes
        self.job = job
        self.period = period
        self.threads = max(1, threads)
        self.workDirectory = workDirectory
        pseudonyms = pseudonymizer
        self.rejects = rejects
        violationLog = violations
        for tier in Tier.allCases { _ = tiers.intern(tier.name) }
        for type in EventType.allCases { _ = eventTypes.intern(type.name) }
        for status in ConsentStatus.allCases { _ = statuses.intern(status.name) }
        for rule in job.policy.jurisdictions { _ = jurisdictions.intern(rule.code) }
        privacyByJurisdiction = Array(repeating: PrivacyTotals(), count: job.policy.jurisdictions.count + 1)
        // Interns the profiling purpose before any part runs: parts only look purposes up.
        evaluator = PolicyEvaluator(policy: job.policy, categories: ByteInterner(capacity: 1), purposes: purposes)
        signalMapping = SignalMapping(settings: job.signals)
    }

    /// Reads all inputs (already resolved to files) and returns the figures.
    package func run(_ files: [InputKind: [ResolvedFile]]) throws -> RunFigures {
        var inputRecords: [(InputKind, [InputFileRecord])] = []
        for kind in InputKind.readingOrder {
            guard let spec = job.inputs[kind] else { continue }
            let scanner = InputScanner(kind: kind, spec: spec, rejects: rejects, spillDirectory: workDirectory)
            let records: [InputFileRecord]
            switch kind {
            // Erasures and surveys are read on this thread, in one part: `inPart` is the run's.
            case .erasures:
                records = try scanner.scan(files[kind] ?? []) { _ in RowsPart(decodeErasure, pseudonyms) { self.inPart = $0.shard != nil } }.records
            case .consents:
                records = try readConsents(scanner, files[kind] ?? [])
                consentRecords = consentBuilder?.count ?? 0
                evaluator.history = consentBuilder?.build(threads: threads) ?? ConsentHistory()  // spends the builder
                consentBuilder = nil
            case .events: records = try readEvents(scanner, files[kind] ?? [])
            case .surveys:
                records = try scanner.scan(files[kind] ?? []) { _ in RowsPart(decodeSurvey, pseudonyms) { self.inPart = $0.shard != nil } }.records
            }
            inputRecords.append((kind, records))
        }
        engagement.finish(threads: threads)
        let order: [InputKind] = [.events, .consents, .erasures, .surveys]
        return RunFigures(
            engagement: engagement.groups,
            campaignIDs: (0..<campaigns.count).map { campaigns.string(Int32($0)) },
            campaignNames: campaignNames, campaignTiers: campaignTiers, surveys: surveys,
            privacyByTier: privacyByTier, privacyByJurisdiction: privacyByJurisdiction,
            currencies: (0..<currencies.count).map { currencies.string(Int32($0)) },
            inputs: order.compactMap { kind in inputRecords.first { $0.0 == kind }.map { (kind, $0.1) } },
            violationMatrix: violationLog.matrix, violationsByCampaign: violationLog.byCampaign,
            violationsBySeverity: violationLog.bySeverity, evidence: violationLog.evidence,
            violations: violationLog.total, rejected: rejects.counts, refusedSignals: rejects.refusedSignals, consentRecords: consentRecords,
            erasureRequests: erasureCount, campaignSeen: campaignSeen, campaignNameSeen: campaignNameSeen, currencySeen: currencySeen)
    }

    // MARK: - Consents, in parts

    private func readConsents(_ scanner: InputScanner, _ files: [ResolvedFile]) throws -> [InputFileRecord] {
        let subjectIDs = MergedIDs(subjects), purposeIDs = MergedIDs(purposes), sourceIDs = MergedIDs(sources)
        var merged = 0
        // Room for the records, from the stored size: no consent row is shorter than this.
        let expected = Int(InputPlan.storedBytes(files) / Self.shortestConsentRow)
        let parts = InputPlan.partCount(threads: threads)
        let records = try scanner.scan(
            files, threads: threads, parts: InputPlan.partCount(threads: threads),
            minimumPartBytes: minimumPartBytes
        ) { _ in
            ConsentPart(
                subjects: subjects, purposes: purposes, sources: sources, statuses: statuses, period: period,
                signalMapping: signalMapping, pseudonyms: pseudonyms, expectedRecords: expected / parts, shard: shard)
        } merge: { part in
            let subjectMap = subjectIDs.merge(part.subjectIDs), purposeMap = purposeIDs.merge(part.purposeIDs)
            let sourceMap = sourceIDs.merge(part.sourceIDs)
            // The first part's numbers are the run's: its records are taken over, not copied.
            if merged == 0 && subjectMap.isIdentity && purposeMap.isIdentity && sourceMap.isIdentity {
                consentBuilder = part.takeRecords()
                consentBuilder?.reserve(expected)
            } else {
                consentBuilder?.append(part.takeRecords(), subject: subjectMap, purpose: purposeMap, source: sourceMap)
            }
            merged += 1
        }.records
        subjectIDs.commit()
        purposeIDs.commit()
        sourceIDs.commit()
        return records
    }

    /// A consents row is at least this long: a subject, a purpose, a status and a timestamp
    /// (`s,p,granted,2026-01-01T00:00:00Z,,,` and a line end take 38 bytes; 32 leaves room).
    private static let shortestConsentRow: Int64 = 32

    // MARK: - Events, in parts

    private func readEvents(_ scanner: InputScanner, _ files: [ResolvedFile]) throws -> [InputFileRecord] {
        let context = EventContext(
            job: job, period: period, subjects: subjects, purposes: purposes, sources: sources, tiers: tiers,
            eventTypes: eventTypes, jurisdictions: jurisdictions, campaigns: campaigns, currencies: currencies,
            evaluator: evaluator, pseudonyms: pseudonyms, sharedPseudonyms: SharedPseudonymBits(count: subjects.count),
            violations: violationLog,
            violationPath: { [workDirectory] in workDirectory + "/.violations-\($0).csv" }, shard: shard)
        let ids = (subjects: MergedIDs(subjects), campaigns: MergedIDs(campaigns), currencies: MergedIDs(currencies))
        let records = try scanner.scan(
            files, threads: threads, parts: InputPlan.partCount(threads: threads),
            minimumPartBytes: minimumPartBytes
        ) { index in
            try EventPart(context, index: index)
        } merge: { part in
            try merge(part, ids)
        }.records
        // Subjects only events name are not added to the shared table: nothing looks a
        // subject up after the events (growing the table took 0.1 s at the end of a 10M run).
        ids.campaigns.commit()
        ids.currencies.commit()
        return records
    }

    /// Adds one part's figures to the run's, translating its own ids to the run's. Parts
    /// are merged in input order, so the run's ids are numbered in order of first appearance.
    /// Other parts are still being read meanwhile: this writes only the run's own tables.
    private func merge(
        _ part: EventPart, _ ids: (subjects: MergedIDs, campaigns: MergedIDs, currencies: MergedIDs)
    ) throws(TierwatchError) {
        let subjectMap = ids.subjects.merge(part.subjectIDs), campaignMap = ids.campaigns.merge(part.campaignIDs)
        let currencyMap = ids.currencies.merge(part.currencyIDs)
        func fileWide(_ position: Int64) -> Int64 {
            position == .max ? position : position + Int64(part.lineBases[Int(position >> 40)] ?? 0)
        }
        for local in part.campaignNames.indices {
            let campaign = Int(campaignMap(Int32(local)))
            while campaign >= campaignNames.count {
                campaignNames.append(nil)
                campaignTiers.append(0)
                campaignSeen.append(fileWide(part.campaignSeen[local]))
                campaignNameSeen.append(.max)
            }
            campaignTiers[campaign] |= part.campaignTiers[local]
            if campaignNames[campaign] == nil, let name = part.campaignNames[local] {
                campaignNames[campaign] = name
                campaignNameSeen[campaign] = fileWide(part.campaignNameSeen[local])
            }
        }
        for (offset, position) in part.currencySeen.enumerated() {
            let currency = Int(currencyMap(part.currencyIDs.known + Int32(offset)))
            while currency >= currencySeen.count { currencySeen.append(fileWide(position)) }
        }
        // The first part's numbers are the run's (nothing was numbered before it): its
        // tables become the run's instead of being copied.
        if mergedParts == 0 && subjectMap.isIdentity && campaignMap.isIdentity && currencyMap.isIdentity {
            engagement = part.engagement
            engagement.settleLog()
        } else {
            engagement.absorb(
                part.engagement, subject: { subjectMap($0) }, campaign: { campaignMap($0) }, currency: { currencyMap($0) })
        }
        mergedParts += 1
        for index in privacyByTier.indices { privacyByTier[index].add(part.privacyByTier[index]) }
        for index in privacyByJurisdiction.indices { privacyByJurisdiction[index].add(part.privacyByJurisdiction[index]) }
        try violationLog.absorb(part.violationLog, campaignMap: campaignMap, lineBases: part.lineBases)
    }

    private func text(_ bytes: UnsafeRawBufferPointer) -> String { String(decoding: bytes, as: UTF8.self) }

    // MARK: - Erasures: subject_id, requested_at

    private func decodeErasure(_ record: CSVRecord, _ binding: ColumnBinding) throws(RowProblem) -> Int64? {
        let subjectBytes = try binding.required(0, record)
        let owned = try shard?.keeps(subjectBytes, inPart: inPart) ?? true
        guard binding.isDSR else {
            let requestedAt = try binding.instant(1, record)!
            guard owned else { return requestedAt }
            evaluator.addErasure(subject: subjects.intern(subjectBytes), requestedAt: requestedAt)
            erasureCount += 1
            return requestedAt
        }
        // A DSR export: request_id, subject_id, type, status, received_at, fulfilled_at.
        // Only erasure requests count; one that was rejected or withdrawn never applied.
        let type = text(FieldParsers.trimmed(binding.value(3, record))).lowercased()
        let status = text(FieldParsers.trimmed(binding.value(4, record))).lowercased()
        let receivedAt = try binding.instant(5, record)!
        let fulfilledAt = try binding.instant(6, record, optional: true)
        guard Self.dsrTypes.contains(type) else {
            throw RowProblem(field: "type", reason: "expected one of \(Self.dsrTypes.joined(separator: ", "))", value: type)
        }
        guard Self.dsrStatuses.contains(status) else {
            throw RowProblem(field: "status", reason: "expected one of \(Self.dsrStatuses.joined(separator: ", "))", value: status)
        }
        if status == "fulfilled" && fulfilledAt == nil {
            throw RowProblem(field: "fulfilled_at", reason: "is empty; a fulfilled request needs its fulfilment time")
        }
        guard type == "erasure", status != "rejected", status != "withdrawn" else { return receivedAt }
        guard owned else { return max(receivedAt, fulfilledAt ?? receivedAt) }
        evaluator.addErasure(
            subject: subjects.intern(subjectBytes), requestedAt: receivedAt, fulfilledAt: status == "fulfilled" ? fulfilledAt : nil)
        erasureCount += 1
        return max(receivedAt, fulfilledAt ?? receivedAt)
    }

    /// Request types of DSR exports (GDPR Art. 15–21 and CCPA rights), and their statuses.
    private static let dsrTypes = ["erasure", "access", "rectification", "portability", "restriction", "objection", "opt_out"]
    private static let dsrStatuses = ["received", "in_progress", "fulfilled", "rejected", "withdrawn"]

    // MARK: - Surveys: response_id, submitted_at, subject_id, campaign_id, tier, csat, nps, felt_intrusive

    private func decodeSurvey(_ record: CSVRecord, _ binding: ColumnBinding) throws(RowProblem) -> Int64? {
        _ = try binding.required(0, record)
        let submittedAt = try binding.instant(1, record)!
        let tier = Int(try binding.symbol(tiers, 4, record))
        func answer(_ column: Int, _ range: ClosedRange<Int>) throws(RowProblem) -> Int? {
            let value = binding.value(column, record)
            if FieldParsers.trimmed(value).count == 0 { return nil }
            guard let number = FieldParsers.integer(value, in: range) else {
                throw RowProblem(
                    field: binding.kind.columns[column].name,
                    reason: "expected a whole number from \(range.lowerBound) to \(range.upperBound)", value: text(value))
            }
            return number
        }
        let csat = try answer(5, 1...5)
        let nps = try answer(6, 0...10)
        let intrusive = try answer(7, 0...1)
        let kept = try shard?.keeps(binding.value(2, record), inPart: inPart) ?? true
        guard submittedAt >= period.start && submittedAt < period.end, kept else { return submittedAt }
        surveys[tier].add(csat: csat, nps: nps, feltIntrusive: intrusive.map { $0 == 1 })
        surveys[Tier.allCases.count].add(csat: csat, nps: nps, feltIntrusive: intrusive.map { $0 == 1 })
        return submittedAt
    }
}

/// An input read in one part whose rows go straight into the engine's own tables.
private final class RowsPart: InputPart {
    private let decodeRow: (CSVRecord, ColumnBinding) throws(RowProblem) -> Int64?
    private let pseudonyms: Pseudonymizer
    private let begin: (ResolvedFile) -> Void

    init(
        _ decode: @escaping (CSVRecord, ColumnBinding) throws(RowProblem) -> Int64?, _ pseudonyms: Pseudonymizer,
        begin: @escaping (ResolvedFile) -> Void
    ) {
        decodeRow = decode
        self.pseudonyms = pseudonyms
        self.begin = begin
    }

    func beginPiece(file: ResolvedFile) { begin(file) }

    func decode(_ record: CSVRecord, _ binding: ColumnBinding) throws(RowProblem) -> Int64? { try decodeRow(record, binding) }

    func redact(field: String, value: String) -> String { pseudonyms.redacted(field: field, value: value) }
}
