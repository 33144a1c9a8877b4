/// Consent records of one part of the consents input, decoded on the part's own thread.
///
/// Subjects, purposes and sources the shared tables lack are numbered by the part itself
/// (``PartInterner``); `RunEngine` merges parts in input order, so the history and every
/// id come out as in one sequential read.
final class ConsentPart: InputPart {
    let subjectIDs: PartInterner
    let purposeIDs: PartInterner
    let sourceIDs: PartInterner
    private let statuses: ByteInterner
    private let period: ReportPeriod
    private let signalMapping: SignalMapping
    private let pseudonyms: Pseudonymizer
    private var records: ConsentHistory.Builder
    /// Exports usually list a subject's records together (eight per subject in the generated ones).
    private let lastSubject = LastKey<Int32>()
    /// In a sharded run, whose records to keep (every row is still read and checked).
    private let shard: ShardSpec?
    /// Whether the rows being read are from one of the shard's own parts.
    private var inPart = false

    init(
        subjects: ByteInterner, purposes: ByteInterner, sources: ByteInterner, statuses: ByteInterner, period: ReportPeriod,
        signalMapping: SignalMapping, pseudonyms: Pseudonymizer, expectedRecords: Int, shard: ShardSpec? = nil
    ) {
        self.shard = shard
        records = ConsentHistory.Builder(expectedRecords: expectedRecords)
        subjectIDs = PartInterner(shared: subjects)
        purposeIDs = PartInterner(shared: purposes)
        sourceIDs = PartInterner(shared: sources)
        self.statuses = statuses
        self.period = period
        self.signalMapping = signalMapping
        self.pseudonyms = Pseudonymizer(sameKeyAs: pseudonyms)
    }

    /// The records read, in the part's numbering; the part keeps none.
    func takeRecords() -> ConsentHistory.Builder {
        defer { records = ConsentHistory.Builder() }
        return records
    }

    func redact(field: String, value: String) -> String { pseudonyms.redacted(field: field, value: value) }

    func beginPiece(file: ResolvedFile) { inPart = file.shard != nil }

    private func text(_ bytes: UnsafeRawBufferPointer) -> String { String(decoding: bytes, as: UTF8.self) }

    private func id(_ table: PartInterner, _ key: String) -> Int32 {
        var key = key
        return key.withUTF8 { table.id(UnsafeRawBufferPointer($0)) }
    }

    @inline(__always)
    private func subjectID(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        if let cached = lastSubject.cached(bytes) { return cached }
        let id = subjectIDs.id(bytes)
        lastSubject.remember(bytes, id)
        return id
    }

    func decode(_ record: CSVRecord, _ binding: ColumnBinding) throws(RowProblem) -> Int64? {
        if binding.hasSignals { return try decodeSignalConsent(record, binding) }
        let subjectBytes = try binding.required(0, record)
        let purposeBytes = FieldParsers.trimmed(try binding.required(1, record))
        let status = try binding.symbol(statuses, 2, record)
        let recordedAt = try binding.instant(3, record)!
        let expiresAt = try binding.instant(6, record, optional: true)
        let kept = try shard?.keeps(subjectBytes, inPart: inPart) ?? true
        // Records made after the period cannot decide any use inside it.
        if recordedAt < period.end, kept {
            records.add(
                subject: subjectID(subjectBytes), purpose: purposeIDs.id(purposeBytes), recordedAt: recordedAt,
                status: ConsentStatus(rawValue: Int(status))!, expiresAt: expiresAt,
                source: sourceIDs.id(FieldParsers.trimmed(binding.value(4, record))))
        }
        return recordedAt
    }

    /// A consents row that may carry signals (`tc_string`, `gpp_string`, `us_privacy`,
    /// `gpc`) besides or instead of `purpose`/`status`. Every signal is decoded before any
    /// record is added, so a rejected signal rejects the whole row: it is never read as consent.
    private func decodeSignalConsent(_ record: CSVRecord, _ binding: ColumnBinding) throws(RowProblem) -> Int64? {
        let subjectBytes = try binding.required(0, record)
        let recordedAt = try binding.instant(3, record)!
        let expiresAt = try binding.instant(6, record, optional: true)
        var signals: [SignalRecord] = []
        var plain: (purpose: UnsafeRawBufferPointer, status: Int32)?
        let purposeBytes = FieldParsers.trimmed(binding.value(1, record))
        if purposeBytes.count > 0 {
            plain = (purposeBytes, try binding.symbol(statuses, 2, record))
        }
        func decoded<T>(_ column: Int, _ decode: (String) throws(SignalRejection) -> T) throws(RowProblem) -> T? {
            let value = FieldParsers.trimmed(binding.value(column, record))
            guard value.count > 0 else { return nil }
            do {
                return try decode(text(value))
            } catch {
                throw RowProblem(
                    field: binding.kind.columns[column].name, reason: "rejected (\(error.reason.rawValue)): \(error.message)",
                    value: text(value), signalRejection: error.reason)
            }
        }
        let mapping = signalMapping
        if let tc = try decoded(7, TCString.decode) { signals += mapping.records(tc) }
        if let gpp = try decoded(8, GPPString.decode) { signals += mapping.records(gpp) }
        if let usp = try decoded(9, USPrivacyString.decode) { signals += mapping.records(usp) }
        if let gpc = try decoded(10, GPCFlag.decode) { signals += mapping.gpcRecords(gpc) }
        if plain == nil && signals.isEmpty && InputKind.signalColumns.allSatisfy({ FieldParsers.trimmed(binding.value($0, record)).count == 0 }) {
            throw RowProblem(
                field: "purpose", reason: "is empty; expected a purpose and status, or a signal (tc_string, gpp_string, us_privacy, gpc)")
        }
        let kept = try shard?.keeps(subjectBytes, inPart: inPart) ?? true
        // Records made after the period cannot decide any use inside it.
        guard recordedAt < period.end, kept else { return recordedAt }
        let subject = subjectID(subjectBytes)
        let sourceBytes = FieldParsers.trimmed(binding.value(4, record))
        if let plain {
            records.add(
                subject: subject, purpose: purposeIDs.id(plain.purpose), recordedAt: recordedAt,
                status: ConsentStatus(rawValue: Int(plain.status))!, expiresAt: expiresAt, source: sourceIDs.id(sourceBytes))
        }
        let prefix = sourceBytes.count > 0 ? text(sourceBytes) + " " : ""
        for signal in signals {
            records.add(
                subject: subject, purpose: id(purposeIDs, signal.purpose), recordedAt: recordedAt, status: signal.status,
                expiresAt: signal.status == .granted ? expiresAt : nil, source: id(sourceIDs, prefix + signal.signal))
        }
        return recordedAt
    }
}
