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
    package var consentRecords: Int
    package var erasureRequests: Int
    package var subjects: Int
}

/// Reads a job's inputs for one period in a single streaming pass per input, and computes
/// the metrics and the consent cross-check.
///
/// Order matters: erasures and consents first (the history every use is checked against),
/// then events, then surveys. Memory grows with subjects, campaigns and consent records,
/// never with the number of events.
package final class RunEngine {
    private let job: JobDefinition
    private let period: ReportPeriod
    private let subjects = ByteInterner(capacity: 1 << 16)
    private let campaigns = ByteInterner(capacity: 256)
    private let purposes = ByteInterner(capacity: 16)
    private let categories = ByteInterner(capacity: 32)
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

    private let engagement = EngagementAccumulator()
    private var surveys = Array(repeating: SurveyTotals(), count: Tier.allCases.count + 1)
    private var privacyByTier = Array(repeating: PrivacyTotals(), count: Tier.allCases.count + 1)
    private var privacyByJurisdiction: [PrivacyTotals]
    private var campaignNames: [String?] = []
    private var campaignTiers: [UInt8] = []
    private var consentBuilder = ConsentHistory.Builder()
    private var erasureCount = 0
    private var violations: [Violation] = []
    /// Distinct `data_categories` values and their parsed members: the field repeats a
    /// handful of combinations, so each is split, mapped and interned once.
    private let categorySets = ByteInterner(capacity: 64)
    private var categorySetStart: [Int] = [0]
    private var categorySetItems: [Int32] = []
    /// Where uncached items of the current row start, once the cache is full.
    private var uncachedStart: Int?
    /// More distinct values than this are not cached: memory must not grow with events
    /// even when an export puts something unique into the field.
    private static let categorySetLimit = 4096

    package init(
        job: JobDefinition, period: ReportPeriod, pseudonymizer: Pseudonymizer, rejects: RejectLog,
        violations: ViolationLog
    ) {
        self.job = job
        self.period = period
        pseudonyms = pseudonymizer
        self.rejects = rejects
        violationLog = violations
        for tier in Tier.allCases { _ = tiers.intern(tier.name) }
        for type in EventType.allCases { _ = eventTypes.intern(type.name) }
        for status in ConsentStatus.allCases { _ = statuses.intern(status.name) }
        for rule in job.policy.jurisdictions { _ = jurisdictions.intern(rule.code) }
        privacyByJurisdiction = Array(repeating: PrivacyTotals(), count: job.policy.jurisdictions.count + 1)
        evaluator = PolicyEvaluator(policy: job.policy, categories: categories, purposes: purposes)
        signalMapping = SignalMapping(settings: job.signals)
    }

    /// Reads all inputs (already resolved to files) and returns the figures.
    package func run(_ files: [InputKind: [ResolvedFile]]) throws -> RunFigures {
        var inputRecords: [(InputKind, [InputFileRecord])] = []
        for kind in [InputKind.erasures, .consents, .events, .surveys] {
            guard let spec = job.inputs[kind] else { continue }
            let scanner = InputScanner(kind: kind, spec: spec, rejects: rejects) { [pseudonyms] field, value in
                field == "subject_id" ? pseudonyms.pseudonym(value) : value
            }
            let records: [InputFileRecord]
            switch kind {
            case .erasures: records = try scanner.scan(files[kind] ?? [], decode: decodeErasure)
            case .consents:
                records = try scanner.scan(files[kind] ?? [], decode: decodeConsent)
                evaluator.history = consentBuilder.build()
            case .events: records = try scanner.scan(files[kind] ?? [], decode: decodeEvent)
            case .surveys: records = try scanner.scan(files[kind] ?? [], decode: decodeSurvey)
            }
            inputRecords.append((kind, records))
        }
        engagement.finish()
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
            violations: violationLog.total, rejected: rejects.counts, consentRecords: consentBuilder.count,
            erasureRequests: erasureCount, subjects: subjects.count)
    }

    // MARK: - Field helpers

    private func text(_ bytes: UnsafeRawBufferPointer) -> String { String(decoding: bytes, as: UTF8.self) }

    private func required(_ binding: ColumnBinding, _ column: Int, _ record: CSVRecord) throws(RowProblem) -> UnsafeRawBufferPointer {
        let value = binding.value(column, record)
        if value.count == 0 {
            throw RowProblem(field: binding.kind.columns[column].name, reason: "is empty; a value is required")
        }
        return value
    }

    private func instant(_ binding: ColumnBinding, _ column: Int, _ record: CSVRecord, optional: Bool = false) throws(RowProblem) -> Int64? {
        let value = binding.value(column, record)
        if optional && FieldParsers.trimmed(value).count == 0 { return nil }
        guard let instant = FieldParsers.instant(value) else {
            throw RowProblem(
                field: binding.kind.columns[column].name,
                reason: value.count == 0 ? "is empty; expected an ISO-8601 timestamp with Z or an offset"
                    : "expected an ISO-8601 timestamp with Z or an offset, e.g. 2026-11-16T09:30:00Z",
                value: text(value))
        }
        return instant
    }

    private func symbol(_ table: ByteInterner, _ binding: ColumnBinding, _ column: Int, _ record: CSVRecord, expected: @autoclosure () -> String) throws(RowProblem) -> Int32 {
        let value = binding.value(column, record)
        if let id = table.lookup(value) ?? table.lookup(FieldParsers.trimmed(value)) { return id }
        if FieldParsers.trimmed(value).count == 0 {
            throw RowProblem(field: binding.kind.columns[column].name, reason: "is empty; expected one of \(expected())")
        }
        throw RowProblem(field: binding.kind.columns[column].name, reason: "expected one of \(expected())", value: text(value))
    }

    private func subject(_ binding: ColumnBinding, _ column: Int, _ record: CSVRecord) -> Int32 {
        let value = binding.value(column, record)
        return value.count == 0 ? -1 : subjects.intern(value)
    }

    // MARK: - Erasures: subject_id, requested_at

    private func decodeErasure(_ record: CSVRecord, _ binding: ColumnBinding) throws(RowProblem) -> Int64? {
        let subjectBytes = try required(binding, 0, record)
        guard binding.isDSR else {
            let requestedAt = try instant(binding, 1, record)!
            evaluator.addErasure(subject: subjects.intern(subjectBytes), requestedAt: requestedAt)
            erasureCount += 1
            return requestedAt
        }
        // A DSR export: request_id, subject_id, type, status, received_at, fulfilled_at.
        // Only erasure requests count; one that was rejected or withdrawn never applied.
        let type = text(FieldParsers.trimmed(binding.value(3, record))).lowercased()
        let status = text(FieldParsers.trimmed(binding.value(4, record))).lowercased()
        let receivedAt = try instant(binding, 5, record)!
        let fulfilledAt = try instant(binding, 6, record, optional: true)
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
        evaluator.addErasure(
            subject: subjects.intern(subjectBytes), requestedAt: receivedAt, fulfilledAt: status == "fulfilled" ? fulfilledAt : nil)
        erasureCount += 1
        return max(receivedAt, fulfilledAt ?? receivedAt)
    }

    /// Request types of DSR exports (GDPR Art. 15–21 and CCPA rights), and their statuses.
    private static let dsrTypes = ["erasure", "access", "rectification", "portability", "restriction", "objection", "opt_out"]
    private static let dsrStatuses = ["received", "in_progress", "fulfilled", "rejected", "withdrawn"]

    // MARK: - Consents: subject_id, purpose, status, recorded_at, source, jurisdiction, expires_at

    private func decodeConsent(_ record: CSVRecord, _ binding: ColumnBinding) throws(RowProblem) -> Int64? {
        if binding.hasSignals { return try decodeSignalConsent(record, binding) }
        let subjectBytes = try required(binding, 0, record)
        let purposeBytes = FieldParsers.trimmed(try required(binding, 1, record))
        let status = try symbol(statuses, binding, 2, record, expected: "granted, denied, withdrawn")
        let recordedAt = try instant(binding, 3, record)!
        let expiresAt = try instant(binding, 6, record, optional: true)
        // Records made after the period cannot decide any use inside it.
        if recordedAt < period.end {
            consentBuilder.add(
                subject: subjects.intern(subjectBytes), purpose: purposes.intern(purposeBytes), recordedAt: recordedAt,
                status: ConsentStatus(rawValue: Int(status))!, expiresAt: expiresAt,
                source: sources.intern(FieldParsers.trimmed(binding.value(4, record))))
        }
        return recordedAt
    }

    /// A consents row that may carry signals (`tc_string`, `gpp_string`, `us_privacy`,
    /// `gpc`) besides or instead of `purpose`/`status`. Every signal is decoded before any
    /// record is added, so a rejected signal rejects the whole row: it is never read as consent.
    private func decodeSignalConsent(_ record: CSVRecord, _ binding: ColumnBinding) throws(RowProblem) -> Int64? {
        let subjectBytes = try required(binding, 0, record)
        let recordedAt = try instant(binding, 3, record)!
        let expiresAt = try instant(binding, 6, record, optional: true)
        var records: [SignalRecord] = []
        var plain: (purpose: UnsafeRawBufferPointer, status: Int32)?
        let purposeBytes = FieldParsers.trimmed(binding.value(1, record))
        if purposeBytes.count > 0 {
            plain = (purposeBytes, try symbol(statuses, binding, 2, record, expected: "granted, denied, withdrawn"))
        }
        func decoded<T>(_ column: Int, _ decode: (String) throws(SignalRejection) -> T) throws(RowProblem) -> T? {
            let value = FieldParsers.trimmed(binding.value(column, record))
            guard value.count > 0 else { return nil }
            do {
                return try decode(text(value))
            } catch {
                throw RowProblem(
                    field: binding.kind.columns[column].name, reason: "rejected (\(error.reason.rawValue)): \(error.message)",
                    value: text(value))
            }
        }
        let mapping = signalMapping
        if let tc = try decoded(7, TCString.decode) { records += mapping.records(tc) }
        if let gpp = try decoded(8, GPPString.decode) { records += mapping.records(gpp) }
        if let usp = try decoded(9, USPrivacyString.decode) { records += mapping.records(usp) }
        if let gpc = try decoded(10, GPCFlag.decode) { records += mapping.gpcRecords(gpc) }
        if plain == nil && records.isEmpty && InputKind.signalColumns.allSatisfy({ FieldParsers.trimmed(binding.value($0, record)).count == 0 }) {
            throw RowProblem(
                field: "purpose", reason: "is empty; expected a purpose and status, or a signal (tc_string, gpp_string, us_privacy, gpc)")
        }
        // Records made after the period cannot decide any use inside it.
        guard recordedAt < period.end else { return recordedAt }
        let subject = subjects.intern(subjectBytes)
        let sourceBytes = FieldParsers.trimmed(binding.value(4, record))
        if let plain {
            consentBuilder.add(
                subject: subject, purpose: purposes.intern(plain.purpose), recordedAt: recordedAt,
                status: ConsentStatus(rawValue: Int(plain.status))!, expiresAt: expiresAt, source: sources.intern(sourceBytes))
        }
        let prefix = sourceBytes.count > 0 ? text(sourceBytes) + " " : ""
        for signal in records {
            consentBuilder.add(
                subject: subject, purpose: purposes.intern(signal.purpose), recordedAt: recordedAt, status: signal.status,
                expiresAt: signal.status == .granted ? expiresAt : nil, source: sources.intern(prefix + signal.signal))
        }
        return recordedAt
    }

    // MARK: - Events

    private enum E {
        static let eventID = 0, occurredAt = 1, subject = 2, campaign = 3, campaignName = 4, tier = 5, channel = 6
        static let type = 7, revenue = 8, currency = 9, categories = 10, purpose = 11, jurisdiction = 12
    }

    private func decodeEvent(_ record: CSVRecord, _ binding: ColumnBinding) throws(RowProblem) -> Int64? {
        let eventID = try required(binding, E.eventID, record)
        let occurredAt = try instant(binding, E.occurredAt, record)!
        let subjectBytes = binding.value(E.subject, record)
        let campaignBytes = try required(binding, E.campaign, record)
        let tier = Tier(rawValue: Int(try symbol(tiers, binding, E.tier, record, expected: "one_to_all, one_to_many, one_to_some, one_to_few, one_to_one")))!
        _ = try required(binding, E.channel, record)
        let type = EventType(rawValue: Int(try symbol(eventTypes, binding, E.type, record, expected: "delivered, open, click, conversion, bounce, unsubscribe, holdout")))!
        let jurisdiction = Int(try symbol(jurisdictions, binding, E.jurisdiction, record, expected: job.policy.jurisdictions.map(\.code).joined(separator: ", ")))
        var revenue: Int64 = 0
        var currency: Int32 = -1
        if type == .conversion {
            let revenueBytes = binding.value(E.revenue, record)
            if FieldParsers.trimmed(revenueBytes).count > 0 {
                guard let micros = FieldParsers.micros(revenueBytes), micros >= 0 else {
                    throw RowProblem(field: "revenue", reason: "expected a non-negative decimal with at most 6 fractional digits", value: text(revenueBytes))
                }
                revenue = micros
                let code = FieldParsers.trimmed(binding.value(E.currency, record))
                guard code.count == 3, code.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }) else {
                    throw RowProblem(field: "currency", reason: code.count == 0 ? "is empty; a currency is required with revenue" : "expected a three-letter currency code such as EUR", value: text(code))
                }
                currency = currencies.intern(code)
            }
        }
        let purposeBytes = FieldParsers.trimmed(binding.value(E.purpose, record))
        if subjectBytes.count > 0 && purposeBytes.count == 0 {
            throw RowProblem(field: "purpose", reason: "is empty; a purpose is required when subject_id is set")
        }
        let categorySet = categoryList(binding.value(E.categories, record), binding)

        guard occurredAt >= period.start && occurredAt < period.end else { return occurredAt }

        // Metrics.
        let subject = subjectBytes.count == 0 ? Int32(-1) : subjects.intern(subjectBytes)
        let campaign = campaigns.intern(campaignBytes)
        if Int(campaign) >= campaignNames.count {
            campaignNames.append(nil)
            campaignTiers.append(0)
        }
        campaignTiers[Int(campaign)] |= UInt8(1) << UInt8(tier.rawValue)
        if campaignNames[Int(campaign)] == nil {
            let name = binding.value(E.campaignName, record)
            if name.count > 0 { campaignNames[Int(campaign)] = text(name) }
        }
        engagement.add(group: tier.rawValue, type: type, subject: subject, currency: currency, revenue: revenue)
        engagement.add(group: EngagementAccumulator.allGroup, type: type, subject: subject, currency: currency, revenue: revenue)
        engagement.add(group: EngagementAccumulator.group(campaign: campaign), type: type, subject: subject, currency: currency, revenue: revenue)

        // Consent cross-check: every event with a subject is a use.
        guard subject >= 0 else { return occurredAt }
        let purpose = purposes.intern(purposeBytes)
        violations.removeAll(keepingCapacity: true)
        let checked = categorySetItems.withUnsafeBufferPointer { items in
            evaluator.check(
                Use(
                    subject: subject, purpose: purpose, tier: tier, jurisdiction: jurisdiction, instant: occurredAt,
                    categories: UnsafeBufferPointer(rebasing: items[categorySet])),
                into: &violations)
        }
        privacyByTier[tier.rawValue].add(checked: checked, violations: violations)
        privacyByTier[Tier.allCases.count].add(checked: checked, violations: violations)
        privacyByJurisdiction[jurisdiction].add(checked: checked, violations: violations)
        privacyByJurisdiction[privacyByJurisdiction.count - 1].add(checked: checked, violations: violations)
        for violation in violations {
            let row = ViolationRow(
                eventID: text(eventID), occurredAt: CivilCalendar.utcString(occurredAt), rule: violation.rule, tier: tier,
                jurisdiction: job.policy.jurisdictions[jurisdiction].code, campaignID: text(campaignBytes),
                purpose: text(purposeBytes), subject: pseudonyms.pseudonym(subject: subject, in: subjects),
                state: violation.state?.name ?? "", detail: detail(violation, purpose: purpose, subject: subject, tier: tier))
            do {
                try violationLog.add(row, jurisdiction: jurisdiction, campaign: campaign)
            } catch {
                throw RowProblem(field: nil, reason: "internal: \(error)")
            }
        }
        return occurredAt
    }

    /// The category ids of a `data_categories` value, as a range of `categorySetItems`.
    private func categoryList(_ list: UnsafeRawBufferPointer, _ binding: ColumnBinding) -> Range<Int> {
        if let start = uncachedStart {
            categorySetItems.removeSubrange(start...)
            uncachedStart = nil
        }
        let cached = categorySets.count < Self.categorySetLimit ? Int(categorySets.intern(list)) : categorySets.lookup(list).map(Int.init)
        guard let id = cached else {
            uncachedStart = categorySetItems.count
            appendCategories(list, binding)
            return uncachedStart!..<categorySetItems.count
        }
        if id == categorySetStart.count - 1 {
            appendCategories(list, binding)
            categorySetStart.append(categorySetItems.count)
        }
        return categorySetStart[id]..<categorySetStart[id + 1]
    }

    /// Splits a `data_categories` value on `;`, maps, trims and interns each item (once each).
    private func appendCategories(_ list: UnsafeRawBufferPointer, _ binding: ColumnBinding) {
        let first = categorySetItems.count
        var start = 0
        for index in 0...list.count where index == list.count || list[index] == UInt8(ascii: ";") {
            let item = FieldParsers.trimmed(binding.mapped(E.categories, UnsafeRawBufferPointer(rebasing: list[start..<index])))
            if item.count > 0 {
                let category = categories.intern(item)
                if !categorySetItems[first...].contains(category) { categorySetItems.append(category) }
            }
            start = index + 1
        }
    }

    /// A plain-language account of why a violation was raised, with its evidence.
    private func detail(_ violation: Violation, purpose: Int32, subject: Int32, tier: Tier) -> String {
        func point(_ name: String) -> String {
            guard let point = violation.point else { return "\(name): no consent record" }
            var text = "\(name): \(point.status.name) at \(CivilCalendar.utcString(point.recordedAt))"
            if point.status == .granted && point.expiresAt != .max {
                text += ", expired at \(CivilCalendar.utcString(point.expiresAt))"
            }
            let source = sources.string(point.source)
            return source.isEmpty ? text : text + " (source \(source))"
        }
        let names = violation.categories.map { categories.string($0) }.joined(separator: ";")
        switch violation.rule {
        case .afterErasure:
            let requested = evaluator.erasure(of: subject).map(CivilCalendar.utcString) ?? "?"
            return "erasure requested at \(requested)"
        case .noConsent, .consentDenied, .consentWithdrawn, .consentExpired, .optedOut:
            return point(purposes.string(purpose))
        case .profilingWithoutConsent:
            return point(job.policy.profilingPurpose)
        case .sensitiveWithoutConsent:
            // The deciding record may be a category gate (`sensitive:health`), not the purpose.
            return "sensitive \(names); " + point(purposes.string(violation.point?.purpose ?? purpose))
        case .categoryNotAllowed:
            return "not allowed for \(tier.name): \(names)"
        case .resurrection:
            let fulfilled = evaluator.fulfilment(of: subject).map(CivilCalendar.utcString) ?? "?"
            return "erasure fulfilled at \(fulfilled); the subject is back in the export"
        }
    }

    // MARK: - Surveys: response_id, submitted_at, subject_id, campaign_id, tier, csat, nps, felt_intrusive

    private func decodeSurvey(_ record: CSVRecord, _ binding: ColumnBinding) throws(RowProblem) -> Int64? {
        _ = try required(binding, 0, record)
        let submittedAt = try instant(binding, 1, record)!
        let tier = Int(try symbol(tiers, binding, 4, record, expected: "one_to_all, one_to_many, one_to_some, one_to_few, one_to_one"))
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
        guard submittedAt >= period.start && submittedAt < period.end else { return submittedAt }
        surveys[tier].add(csat: csat, nps: nps, feltIntrusive: intrusive.map { $0 == 1 })
        surveys[Tier.allCases.count].add(csat: csat, nps: nps, feltIntrusive: intrusive.map { $0 == 1 })
        return submittedAt
    }
}
