/// What every part of the events reads and none of them changes: the vocabularies and
/// what the erasures and consents built. Nothing writes any of it while parts run.
struct EventContext {
    let job: JobDefinition
    let period: ReportPeriod
    let subjects: ByteInterner
    let purposes: ByteInterner
    let sources: ByteInterner
    let tiers: ByteInterner
    let eventTypes: ByteInterner
    let jurisdictions: ByteInterner
    let campaigns: ByteInterner
    let currencies: ByteInterner
    let evaluator: PolicyEvaluator
    let pseudonyms: Pseudonymizer
    /// Pseudonyms of the subjects in `subjects`, cached for all parts.
    let sharedPseudonyms: SharedPseudonymBits
    /// The run's violations: the first part writes its rows there, and part `i > 0` at
    /// `violationPath(i)` until they are merged.
    let violations: ViolationLog
    let violationPath: (Int) -> String
    /// In a sharded run, the subjects this run owns.
    let shard: ShardSpec?
}

/// The events of one part of the input, decoded on the part's own thread: metrics and the
/// consent cross-check of every use.
///
/// What a part meets for the first time (campaigns, currencies, categories, subjects with
/// no consent or erasure record) goes into tables of its own; `RunEngine` merges parts in
/// input order, so ids, first names and violation order come out as in one sequential read.
final class EventPart: InputPart {
    // The context's parts as plain properties: copying the context struct in the hot loop
    // would retain and release every reference in it per row.
    private let job: JobDefinition
    private let period: ReportPeriod
    private let purposes: ByteInterner
    private let sources: ByteInterner
    private let tiers: ByteInterner
    private let eventTypes: ByteInterner
    private let jurisdictions: ByteInterner
    /// Subjects the shared table lacks (no consent or erasure record) are the part's own.
    let subjectIDs: PartInterner
    let campaignIDs: PartInterner
    let currencyIDs: PartInterner
    private let categories = ByteInterner(capacity: 32)
    private let evaluator: PolicyEvaluator
    private let pseudonyms: Pseudonymizer
    let engagement: EngagementAccumulator
    var privacyByTier = Array(repeating: PrivacyTotals(), count: Tier.allCases.count + 1)
    var privacyByJurisdiction: [PrivacyTotals]
    /// Uses per (tier, jurisdiction): folded into the two arrays above by ``finish()``.
    private let useCounts: UseCounts
    var campaignNames: [String?] = []
    var campaignTiers: [UInt8] = []
    /// Where each campaign first appears, and its name (part positions, as
    /// ``ViolationEntry/position``), and each currency the part added: a merge of shards
    /// that read different parts orders them as one read would have.
    var campaignSeen: [Int64] = []
    var campaignNameSeen: [Int64] = []
    var currencySeen: [Int64] = []
    let violationLog: ViolationLog
    private var violations: [Violation] = []
    /// A violation's detail text, as bytes (reused row after row).
    private var detailBytes = RawBytes(capacity: 256)
    /// The day of the last instant a detail named.
    private var detailDay = CivilCalendar.UTCDay()
    /// The policy's jurisdiction codes and profiling purpose, as bytes for violation rows.
    private let jurisdictionCodes: ByteTable
    private let profilingPurpose: ByteTable
    /// Distinct `data_categories` values and their parsed members: the field repeats a
    /// handful of combinations, so each is split, mapped and interned once.
    private let categorySets = ByteInterner(capacity: 64)
    /// The last `data_categories` value's items, and the last campaign's id (see ``LastKey``).
    private let lastCategorySet = LastKey<Range<Int>>()
    private let lastCampaign = LastKey<Int32>()
    private var categorySetStart: [Int] = [0]
    private var categorySetItems: [Int32] = []
    /// Where uncached items of the current batch start, once the cache is full.
    private var uncachedStart: Int?
    /// In-period events whose per-subject work waits for the batch (see ``flush()``): raw
    /// storage, like `scratch`, because an array's append checked its uniqueness per event.
    private let batchStorage = UnsafeMutablePointer<Pending>.allocate(capacity: batchSize)
    private var batchCount = 0
    /// Events of earlier batches (against the violations logged: see ``flush()``).
    private var flushedEvents: Int64 = 0
    private var batch: UnsafeMutableBufferPointer<Pending> { UnsafeMutableBufferPointer(start: batchStorage, count: batchCount) }
    /// The bytes of the batch's ids, campaigns and purposes (a row's buffer is gone by then):
    /// raw storage, because four appends per event to an array measured 2% of a run.
    private var scratch = UnsafeMutableRawPointer.allocate(byteCount: 1 << 14, alignment: 8)
    private var scratchCapacity = 1 << 14
    private var scratchCount = 0
    private var writeError: TierwatchError?
    private static let batchSize = 64
    /// A batch's subject not in the shared table, until the part's own gives its id.
    private static let unresolved: Int32 = -2
    private let shard: ShardSpec?
    /// The file the rows being read come from, and (once read) the line bases of the
    /// part's files: a sharded run's violations carry their input position.
    private var currentFile: Int64 = 0
    private(set) var lineBases: [Int: Int] = [:]
    /// Whether that file is one of a shard's own parts (``ShardSpec/keeps(_:inPart:)``).
    private var inPart = false
    /// More distinct values than this are not cached: memory must not grow with events
    /// even when an export puts something unique into the field.
    private static let categorySetLimit = 4096

    /// Part `index` of the events. Its violation log is made before the part, which then
    /// cannot fail: a part's raw buffers are never left without the deinit that frees them.
    convenience init(_ context: EventContext, index: Int) throws(TierwatchError) {
        // The first part starts at the input's start, so it is never reread (see
        // `InOrderMerger`) and is merged first: its rows go straight into the run's file.
        let violationLog =
            index == 0
            ? ViolationLog(rowsInto: context.violations)
            : try ViolationLog(
                path: context.violationPath(index), evidenceLimit: context.job.evidenceRows,
                mode: context.job.csvMode(for: "violations.csv"), part: true, tracksPositions: context.shard != nil)
        self.init(context, index: index, violationLog: violationLog)
    }

    private init(_ context: EventContext, index: Int, violationLog: ViolationLog) {
        job = context.job
        period = context.period
        purposes = context.purposes
        sources = context.sources
        tiers = context.tiers
        eventTypes = context.eventTypes
        jurisdictions = context.jurisdictions
        subjectIDs = PartInterner(shared: context.subjects)
        campaignIDs = PartInterner(shared: context.campaigns)
        currencyIDs = PartInterner(shared: context.currencies)
        evaluator = PolicyEvaluator(partOf: context.evaluator, categories: categories)
        // The shared cache is by the subject numbers every part gives alike: `subjects`' own.
        precondition(subjectIDs.known == context.sharedPseudonyms.count, "the subject table changed while events are read")
        pseudonyms = Pseudonymizer(sameKeyAs: context.pseudonyms, sharing: context.sharedPseudonyms)
        // The first part's tables become the run's; the others' pairs go into the run's table.
        engagement = EngagementAccumulator(logsCampaignPairs: index > 0)
        privacyByJurisdiction = Array(repeating: PrivacyTotals(), count: context.job.policy.jurisdictions.count + 1)
        useCounts = UseCounts(jurisdictions: context.job.policy.jurisdictions.count)
        jurisdictionCodes = ByteTable(context.job.policy.jurisdictions.map(\.code))
        profilingPurpose = ByteTable([context.job.policy.profilingPurpose])
        shard = context.shard
        self.violationLog = violationLog
    }

    func beginPiece(file: ResolvedFile) {
        currentFile = Int64(file.order)
        inPart = file.shard != nil
    }

    func willMerge(lineBases: [Int: Int]) { self.lineBases = lineBases }

    func redact(field: String, value: String) -> String {
        pseudonyms.redacted(field: field, value: value)
    }

    private func text(_ bytes: UnsafeRawBufferPointer) -> String { String(decoding: bytes, as: UTF8.self) }

    private enum E {
        static let eventID = 0, occurredAt = 1, subject = 2, campaign = 3, campaignName = 4, tier = 5, channel = 6
        static let type = 7, revenue = 8, currency = 9, categories = 10, purpose = 11, jurisdiction = 12
    }

    func decode(_ record: CSVRecord, _ binding: ColumnBinding) throws(RowProblem) -> Int64? {
        let eventID = try binding.required(E.eventID, record)
        let occurredAt = try binding.instant(E.occurredAt, record)!
        let subjectBytes = binding.value(E.subject, record)
        let campaignBytes = try binding.required(E.campaign, record)
        let tier = Tier(rawValue: Int(try binding.symbol(tiers, E.tier, record)))!
        _ = try binding.required(E.channel, record)
        let type = EventType(rawValue: Int(try binding.symbol(eventTypes, E.type, record)))!
        let jurisdiction = Int(try binding.symbol(jurisdictions, E.jurisdiction, record))
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
                currency = currencyIDs.id(code)
                if Int(currency - currencyIDs.known) == currencySeen.count { currencySeen.append(currentFile << 40 | Int64(record.line)) }
            }
        }
        let purposeBytes = FieldParsers.trimmed(binding.value(E.purpose, record))
        if subjectBytes.count > 0 && purposeBytes.count == 0 {
            throw RowProblem(field: "purpose", reason: "is empty; a purpose is required when subject_id is set")
        }
        let categorySet = categoryList(binding.value(E.categories, record), binding)

        guard occurredAt >= period.start && occurredAt < period.end else { return occurredAt }

        let position = currentFile << 40 | Int64(record.line)
        let campaign: Int32
        if let cached = lastCampaign.cached(campaignBytes) {
            campaign = cached
        } else {
            campaign = campaignIDs.id(campaignBytes)
            lastCampaign.remember(campaignBytes, campaign)
        }
        while Int(campaign) >= campaignNames.count {
            campaignNames.append(nil)
            campaignTiers.append(0)
            campaignSeen.append(position)
            campaignNameSeen.append(.max)
        }
        // Read before written, and the name's presence told by when it was seen: writing the
        // array checked its uniqueness, and reading the optional name retained and released
        // it, per event.
        let tierBit = UInt8(1) << UInt8(tier.rawValue)
        if campaignTiers[Int(campaign)] & tierBit == 0 { campaignTiers[Int(campaign)] |= tierBit }
        if campaignNameSeen[Int(campaign)] == .max {
            let name = binding.value(E.campaignName, record)
            if name.count > 0 {
                campaignNames[Int(campaign)] = text(name)
                campaignNameSeen[Int(campaign)] = position
            }
        }
        // A shard registers every campaign of the rows it reads (so ids, names and tiers
        // are the single run's) but counts only its own subjects' events.
        if let shard, !(try shard.keeps(subjectBytes, inPart: inPart)) { return occurredAt }
        var pending = Pending(
            campaign: campaign, tier: tier, type: type, jurisdiction: jurisdiction, currency: currency, revenue: revenue,
            occurredAt: occurredAt, categories: categorySet)
        pending.position = position
        if subjectBytes.count > 0 {
            pending.purpose = purposes.lookup(purposeBytes) ?? ConsentHistory.unknownPurpose
            pending.subjectText = keep(subjectBytes)
            pending.eventIDText = keep(eventID)
            pending.campaignText = keep(campaignBytes)
            pending.purposeText = keep(purposeBytes)
        }
        (batchStorage + batchCount).initialize(to: pending)
        batchCount += 1
        if batchCount == Self.batchSize { flush() }
        return occurredAt
    }

    /// An in-period event whose per-subject work waits for its batch.
    private struct Pending {
        var campaign: Int32
        var tier: Tier
        var type: EventType
        var jurisdiction: Int
        var currency: Int32
        var revenue: Int64
        var occurredAt: Int64
        var categories: Range<Int>
        var subject: Int32 = -1
        var subjectHash: UInt64 = 0
        var position: Int64 = 0
        var purpose: Int32 = ConsentHistory.unknownPurpose
        var subjectText = 0..<0
        var eventIDText = 0..<0
        var campaignText = 0..<0
        var purposeText = 0..<0
    }

    private func keep(_ bytes: UnsafeRawBufferPointer) -> Range<Int> {
        let start = scratchCount
        if start + bytes.count > scratchCapacity {
            let grown = UnsafeMutableRawPointer.allocate(byteCount: 2 * (start + bytes.count), alignment: 8)
            grown.copyMemory(from: scratch, byteCount: start)
            scratch.deallocate()
            scratch = grown
            scratchCapacity = 2 * (start + bytes.count)
        }
        if let source = bytes.baseAddress { (scratch + start).copyMemory(from: source, byteCount: bytes.count) }
        scratchCount += bytes.count
        return start..<scratchCount
    }

    deinit {
        batchStorage.deallocate()
        scratch.deallocate()
        detailBytes.deallocate()
        jurisdictionCodes.deallocate()
        profilingPurpose.deallocate()
    }

    func finish() throws {
        flush()
        useCounts.fold(byTier: &privacyByTier, byJurisdiction: &privacyByJurisdiction)
        if let writeError { throw writeError }
    }

    /// Does the per-subject work of the batch: the subject's id, its engagement flags and
    /// the consent check. Each of those is a read at random into a table larger than the
    /// caches; done one event at a time, between parsing rows, every read waits for memory
    /// on its own. Over a batch, first tight loops only prefetch what the events will read
    /// (``prefetch(_:)``), so the processor has many of those reads in flight at once, then
    /// the work finds them in cache. A read that needs another first (a subject's consent
    /// points need where they start) is prefetched a loop later. Events are completed in
    /// input order.
    private func flush() {
        guard !batch.isEmpty else { return }
        do {
            let scratch = UnsafeRawBufferPointer(start: scratch, count: scratchCount)
            func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: scratch[range]) }
            // The subject's id, in three loops: a subject the shared table (the consents')
            // lacks is looked up in the part's own table only once the batch's prefetches of
            // those slots are all in flight. Ids are given in input order, as one by one.
            for index in batch.indices where !batch[index].subjectText.isEmpty {
                let hash = ByteInterner.hash(bytes(batch[index].subjectText))
                batch[index].subjectHash = hash
                subjectIDs.touchShared(hash: hash)
            }
            for index in batch.indices where !batch[index].subjectText.isEmpty {
                let pending = batch[index]
                if let id = subjectIDs.sharedID(bytes(pending.subjectText), hash: pending.subjectHash) {
                    batch[index].subject = id
                } else {
                    batch[index].subject = Self.unresolved
                    subjectIDs.touchAdded(hash: pending.subjectHash)
                }
            }
            for index in batch.indices where batch[index].subject == Self.unresolved {
                batch[index].subject = subjectIDs.addedID(bytes(batch[index].subjectText), hash: batch[index].subjectHash)
            }
            for pending in batch where pending.subject >= 0 {
                engagement.touch(subject: pending.subject, campaign: pending.campaign)
                evaluator.touchStart(subject: pending.subject)
            }
            for pending in batch where pending.subject >= 0 { evaluator.touch(subject: pending.subject) }
            // On a week where many uses break a rule, most subjects need their pseudonym: a
            // miss per violation row unless prefetched with the rest. A part that has met few
            // violations does not prefetch them (its events would mostly not use them).
            if violationLog.total * 4 > flushedEvents {
                for pending in batch where pending.subject >= 0 { pseudonyms.touch(cachedAs: Int(pending.subject)) }
            }
            flushedEvents += Int64(batch.count)
            // Taken out of `self` for the batch: in place, every event's access would retain
            // the arrays and check that they are uniquely referenced.
            var violations: [Violation] = []
            swap(&violations, &self.violations)
            defer { swap(&violations, &self.violations) }
            categorySetItems.withUnsafeBufferPointer { items in
                for pending in batch { complete(pending, bytes, items, &violations) }
            }
        }
        batchCount = 0  // Pending holds integers and ranges only: nothing to deinitialize
        scratchCount = 0
        if let start = uncachedStart {
            categorySetItems.removeSubrange(start...)
            uncachedStart = nil
        }
    }

    private func complete(
        _ event: Pending, _ bytes: (Range<Int>) -> UnsafeRawBufferPointer, _ items: UnsafeBufferPointer<Int32>,
        _ violations: inout [Violation]
    ) {
        let subject = event.subject, tier = event.tier, jurisdiction = event.jurisdiction
        engagement.add(group: tier.rawValue, type: event.type, subject: subject, currency: event.currency, revenue: event.revenue)
        engagement.add(
            group: EngagementAccumulator.allGroup, type: event.type, subject: subject, currency: event.currency, revenue: event.revenue)
        engagement.add(
            group: EngagementAccumulator.group(campaign: event.campaign), type: event.type, subject: subject,
            currency: event.currency, revenue: event.revenue)

        // Consent cross-check: every event with a subject is a use.
        guard subject >= 0 else { return }
        if !violations.isEmpty { violations.removeAll(keepingCapacity: true) }  // no uniqueness check per use
        let checked = evaluator.check(
            Use(
                subject: subject, purpose: event.purpose, tier: tier, jurisdiction: jurisdiction, instant: event.occurredAt,
                categories: UnsafeBufferPointer(rebasing: items[event.categories])),
            into: &violations)
        useCounts.count(tier: tier, jurisdiction: jurisdiction, checked: checked)
        guard !violations.isEmpty else { return }
        violations.withUnsafeBufferPointer { violations in
            // Folded at the part's end into its tier, all tiers, its jurisdiction and all.
            useCounts.countViolating(tier: tier, jurisdiction: jurisdiction, checked: checked, violations: violations)
        }
        for violation in violations where writeError == nil {
            let purpose = bytes(event.purposeText)
            detail(violation, purpose: purpose, subject: subject, tier: tier, categories: UnsafeBufferPointer(rebasing: items[event.categories]))
            do throws(TierwatchError) {
                var entry = ViolationEntry(
                    eventID: bytes(event.eventIDText), occurredAt: event.occurredAt, rule: violation.rule, tier: tier,
                    jurisdiction: jurisdiction, jurisdictionCode: jurisdictionCodes[jurisdiction],
                    campaign: event.campaign, campaignID: bytes(event.campaignText), purpose: purpose,
                    subject: pseudonyms.pseudonymBits(bytes(event.subjectText), cachedAs: Int(subject)),
                    state: violation.state, detail: detailBytes.bytes)
                entry.position = event.position
                try violationLog.add(entry)
            } catch {
                writeError = error
            }
        }
    }

    /// The category ids of a `data_categories` value, as a range of `categorySetItems`.
    private func categoryList(_ list: UnsafeRawBufferPointer, _ binding: ColumnBinding) -> Range<Int> {
        // Only a cached set's range stays valid past the batch, so only those are remembered.
        if let range = lastCategorySet.cached(list) { return range }
        let cached = cachedCategoryList(list, binding)
        lastCategorySet.remember(list, cached)
        if let range = cached { return range }
        let start = categorySetItems.count
        if uncachedStart == nil { uncachedStart = start }
        appendCategories(list, binding)
        return start..<categorySetItems.count
    }

    /// The items of `list` when the set is (or now becomes) cached; nil once the cache is full.
    private func cachedCategoryList(_ list: UnsafeRawBufferPointer, _ binding: ColumnBinding) -> Range<Int>? {
        // Once the cache is full, no set is added to it, so uncached items (kept until the
        // batch is done) always come after every cached one.
        let cached = categorySets.count < Self.categorySetLimit ? Int(categorySets.intern(list)) : categorySets.lookup(list).map(Int.init)
        guard let id = cached else { return nil }
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

    /// Writes into `detailBytes` a plain-language account of why a violation was raised,
    /// with its evidence.
    private func detail(
        _ violation: Violation, purpose: UnsafeRawBufferPointer, subject: Int32, tier: Tier, categories useCategories: UnsafeBufferPointer<Int32>
    ) {
        detailBytes.count = 0
        var day = detailDay
        defer { detailDay = day }
        func add(_ text: StaticString) { detailBytes.append(text) }
        func add(bytes: UnsafeRawBufferPointer) { detailBytes.append(bytes: bytes) }
        func add(_ instant: Int64?) {
            guard let instant else { return add("?") }
            detailBytes.append(upTo: CivilCalendar.maximumUTCLength) { CivilCalendar.writeUTC(instant, to: $0, day: &day) }
        }
        func addCategories() {
            var first = true
            for category in useCategories where evaluator.involves(category, in: violation.rule, tier: tier) {
                if !first { add(";") }
                first = false
                categories.withBytes(category) { add(bytes: $0) }
            }
        }
        func addPoint(_ name: () -> Void) {
            name()
            guard let point = violation.point else { return add(": no consent record") }
            add(": ")
            add(bytes: NameBytes.statuses[point.status.rawValue])
            add(" at ")
            add(point.recordedAt)
            if point.status == .granted && point.expiresAt != .max {
                add(", expired at ")
                add(point.expiresAt)
            }
            sources.withBytes(point.source) { source in
                guard !source.isEmpty else { return }
                add(" (source ")
                add(bytes: source)
                add(")")
            }
        }
        switch violation.rule {
        case .afterErasure:
            add("erasure requested at ")
            add(evaluator.erasure(of: subject))
        case .noConsent, .consentDenied, .consentWithdrawn, .consentExpired, .optedOut:
            addPoint { add(bytes: purpose) }
        case .profilingWithoutConsent:
            addPoint { add(bytes: profilingPurpose[0]) }
        case .sensitiveWithoutConsent:
            // The deciding record may be a category gate (`sensitive:health`), not the purpose.
            add("sensitive ")
            addCategories()
            add("; ")
            addPoint {
                if let point = violation.point {
                    purposes.withBytes(point.purpose) { add(bytes: $0) }
                } else {
                    add(bytes: purpose)
                }
            }
        case .categoryNotAllowed:
            add("not allowed for ")
            add(bytes: NameBytes.tiers[tier.rawValue])
            add(": ")
            addCategories()
        case .resurrection:
            add("erasure fulfilled at ")
            add(evaluator.fulfilment(of: subject))
            add("; the subject is back in the export")
        }
    }
}
