/// Event counts and revenue of one group (a tier, all tiers, or a campaign).
package struct EngagementTotals: Sendable, Codable {
    package var delivered: Int64 = 0
    package var opens: Int64 = 0
    package var clicks: Int64 = 0
    package var conversions: Int64 = 0
    package var bounces: Int64 = 0
    package var unsubscribes: Int64 = 0
    package var holdouts: Int64 = 0
    /// Distinct subjects with a `delivered` event.
    package var reach: Int64 = 0
    /// Distinct subjects with an `open` or `click` event.
    package var engaged: Int64 = 0
    /// Distinct subjects with a `holdout` event (the control group).
    package var controlSubjects: Int64 = 0
    /// Distinct delivered subjects with a conversion.
    package var treatedConverters: Int64 = 0
    /// Distinct holdout subjects with a conversion.
    package var controlConverters: Int64 = 0
    /// Revenue in micro-units per currency id.
    package var revenue: [Int32: Int64] = [:]

    package init() {}

    /// Adds another group's event counts (distinct counts are added apart: see `addDisjoint`).
    package mutating func add(_ other: EngagementTotals) {
        delivered += other.delivered
        opens += other.opens
        clicks += other.clicks
        conversions += other.conversions
        bounces += other.bounces
        unsubscribes += other.unsubscribes
        holdouts += other.holdouts
    }

    /// Adds the event counts at `counts`, one per ``EventType`` by raw value.
    package mutating func add(counts: UnsafePointer<Int64>) {
        for type in EventType.allCases { add(counts[type.rawValue], of: type) }
    }

    private mutating func add(_ count: Int64, of type: EventType) {
        switch type {
        case .delivered: delivered += count
        case .open: opens += count
        case .click: clicks += count
        case .conversion: conversions += count
        case .bounce: bounces += count
        case .unsubscribe: unsubscribes += count
        case .holdout: holdouts += count
        }
    }
}

/// What one subject did within one group, as bits: enough to count distinct subjects
/// (reach, engaged) and the treated/control conversion of an uplift test.
package struct SubjectFlags {
    package static let delivered: UInt8 = 1
    package static let engaged: UInt8 = 2
    package static let holdout: UInt8 = 4
    package static let converted: UInt8 = 8

    @inline(__always)
    package static func flag(for type: EventType) -> UInt8 {
        switch type {
        case .delivered: delivered
        case .open, .click: engaged
        case .holdout: holdout
        case .conversion: converted
        case .bounce, .unsubscribe: 0
        }
    }
}

/// Counts events per group and distinct subjects per (group, subject).
///
/// Groups are numbered: tiers 0–4, `all` 5, campaigns from 6. What each subject did per
/// tier (and all) sits in a dense array indexed by subject, which needs no hashing; per
/// campaign it sits in a hash map keyed by (campaign, subject). Memory grows with groups
/// and distinct (group, subject) pairs, never with events.
package final class EngagementAccumulator {
    package static let allGroup = Tier.allCases.count
    package static let firstCampaignGroup = allGroup + 1
    private static let denseGroups = firstCampaignGroup

    /// Every group's totals: its event counts, and once ``finish(threads:)`` has run, its
    /// distinct counts and revenue.
    package var groups: [EngagementTotals] {
        (0..<groupCount).map { group in
            var totals = group < finished.count ? finished[group] : EngagementTotals()
            totals.add(counts: eventCounts.base + Self.firstCount(of: group))
            return totals
        }
    }
    /// Groups 0..<groupCount have been seen (tiers and all always are).
    private var groupCount = firstCampaignGroup
    /// Events per (group, type), at ``countIndex(group:type:)``. Plain storage: counting into
    /// an array of `EngagementTotals`, a stored property, checked that the array is uniquely
    /// referenced three times per event.
    private let eventCounts = LargeBuffer<Int64>(zeroedCapacity: 1 << 10)
    /// The distinct counts and revenue per group, made by ``finish(threads:)``.
    private var finished: [EngagementTotals] = []
    /// Revenue per (group, currency), kept apart so `EngagementTotals` updates in the hot
    /// loop copy no dictionary.
    private var revenue: [UInt64: Int64] = [:]
    /// Flags per (subject, tier or all), `subject * denseGroups + group`; zero = nothing seen.
    private let denseFlags = LargeBuffer<UInt8>(zeroedCapacity: 1 << 16, reserving: 6 << 28)
    private let campaignFlags = PairFlags(capacity: 1 << 14)
    /// With `logsCampaignPairs`: the (campaign, subject) pairs and flags as they come, to be
    /// put in the run's table when this is absorbed (see ``init(logsCampaignPairs:)``).
    /// Not an optional: binding one in the hot loop retains and releases it per event.
    private let campaignLog: PairLog
    private let logsCampaignPairs: Bool

    /// - Parameter logsCampaignPairs: log campaign pairs instead of keeping them in a table
    ///   of this accumulator's own. For a part to be absorbed into the run's: its pairs would
    ///   otherwise go into two tables, its own and the run's, each a cache miss per event and
    ///   memory that grows. The pairs are nearly all distinct within a part.
    package init(logsCampaignPairs: Bool = false) {
        campaignLog = PairLog(capacity: logsCampaignPairs ? 1 << 16 : 0)
        self.logsCampaignPairs = logsCampaignPairs
    }

    @inline(__always)
    package static func group(campaign: Int32) -> Int { firstCampaignGroup + Int(campaign) }

    /// Counts one event in `group`.
    @inline(__always)
    package func add(group: Int, type: EventType, subject: Int32, currency: Int32, revenue: Int64) {
        if group >= groupCount { see(group) }
        eventCounts[Self.countIndex(group: group, type: type)] += 1
        if type == .conversion && currency >= 0 {
            self.revenue[UInt64(group) << 32 | UInt64(UInt32(bitPattern: currency)), default: 0] += revenue
        }
        guard subject >= 0 else { return }
        let bit = SubjectFlags.flag(for: type)
        guard bit != 0 else { return }
        if group < Self.denseGroups {
            let index = Int(subject) * Self.denseGroups + group
            if index >= denseFlags.capacity { denseFlags.grow(to: max(index + 1, 2 * denseFlags.capacity)) }
            denseFlags[index] |= bit
        } else if logsCampaignPairs {
            campaignLog.append(PairFlags.word(group: group, subject: subject, bits: bit))
        } else {
            campaignFlags.insert(group: group, subject: subject, bits: bit)
        }
    }

    /// Eight counters per group, one per event type (seven) by raw value.
    @inline(__always)
    private static func countIndex(group: Int, type: EventType) -> Int { firstCount(of: group) | type.rawValue }

    @inline(__always)
    private static func firstCount(of group: Int) -> Int { group << 3 }

    private func see(_ group: Int) {
        groupCount = group + 1
        let needed = Self.firstCount(of: groupCount)
        if needed > eventCounts.capacity { eventCounts.grow(to: max(needed, 2 * eventCounts.capacity)) }
    }

    /// Prefetches the flags an event of `subject` in `campaign` will update, and nothing else (to
    /// overlap the cache misses of a batch).
    @inline(__always)
    package func touch(subject: Int32, campaign: Int32) {
        let index = Int(subject) * Self.denseGroups
        if index < denseFlags.capacity { prefetch(denseFlags.base + index) }
        guard !logsCampaignPairs else { return }
        campaignFlags.touch(group: Self.group(campaign: campaign), subject: subject)
    }

    /// Adds a part's counts and flags (made with its own subject, campaign and currency
    /// numbers) to these: `subject(s)`, `campaign(c)` and `currency(c)` translate them.
    /// Both must be unfinished. Distinct counts stay distinct: flags are or-ed per subject.
    package func absorb(
        _ part: EngagementAccumulator, subject: (Int32) -> Int32, campaign: (Int32) -> Int32, currency: (Int32) -> Int32
    ) {
        func group(_ index: Int) -> Int {
            index < Self.firstCampaignGroup ? index : Self.group(campaign: campaign(Int32(index - Self.firstCampaignGroup)))
        }
        for index in 0..<part.groupCount {
            let target = group(index)
            if target >= groupCount { see(target) }
            for type in EventType.allCases {
                eventCounts[Self.countIndex(group: target, type: type)] += part.eventCounts[Self.countIndex(group: index, type: type)]
            }
        }
        for (key, micros) in part.revenue {
            let target = UInt64(group(Int(key >> 32))) << 32 | UInt64(UInt32(bitPattern: currency(Int32(truncatingIfNeeded: key & 0xFFFF_FFFF))))
            revenue[target, default: 0] += micros
        }
        let flags = part.denseFlags
        var index = 0
        while index + Self.denseGroups <= flags.capacity {
            defer { index += Self.denseGroups }
            guard (0..<Self.denseGroups).contains(where: { flags[index + $0] != 0 }) else { continue }
            let target = Int(subject(Int32(index / Self.denseGroups))) * Self.denseGroups
            if target + Self.denseGroups > denseFlags.capacity {
                denseFlags.grow(to: max(target + Self.denseGroups, 2 * denseFlags.capacity))
            }
            for offset in 0..<Self.denseGroups { denseFlags[target + offset] |= flags[index + offset] }
        }
        func translate(_ group: Int, _ member: Int32) -> (group: Int, subject: Int32) {
            (Self.group(campaign: campaign(Int32(group - Self.firstCampaignGroup))), subject(member))
        }
        campaignFlags.absorb(part.campaignFlags, translate: translate)
        part.campaignLog.drain { campaignFlags.absorb(words: $0, translate: translate) }
    }

    /// Puts the logged (campaign, subject) pairs into this accumulator's own table. The run
    /// calls it on the first part's accumulator as soon as that becomes the run's, while
    /// other parts are still being read: left to ``finish(threads:)``, a million pairs went
    /// in on one thread at the run's end while the others had nothing to do.
    package func settleLog() { campaignLog.drain { campaignFlags.absorb(words: $0) { ($0, $1) } } }

    /// Folds the per-subject flags into the distinct counts; call once at the end.
    ///
    /// The flags are cut into `threads` slices folded at once. Each slice counts how often
    /// every (group, flags) value occurs, one increment per subject and group with no branch
    /// (testing each flag bit, and skipping empty slots, were branches the processor
    /// mispredicted on about every other subject); the distinct counts come from those
    /// sixteen totals per group.
    package func finish(threads: Int = 1) {
        settleLog()
        let slices = max(1, threads)
        let groupCount = groupCount
        // Per slice: occurrences at (group + 1) * 16 + flags; (0, 0) counts empty table slots.
        var histograms = [[Int64]](repeating: [], count: slices)
        histograms.withUnsafeMutableBufferPointer { histograms in
            Parallel.run(slices) { slice in
                var histogram = [Int64](repeating: 0, count: (groupCount + 1) * 16)
                histogram.withUnsafeMutableBufferPointer { histogram in
                    let counts = histogram.baseAddress!
                    // Slices of whole subjects; the last one runs to the end, where a subject's
                    // row may be cut.
                    let flags = denseFlags.base, groups = Self.denseGroups
                    let subjects = denseFlags.capacity / groups
                    let rows = subjects * slice / slices..<subjects * (slice + 1) / slices
                    for row in rows {
                        for group in 0..<groups { counts[(group + 1) &* 16 &+ Int(flags[row &* groups &+ group])] &+= 1 }
                    }
                    if slice == slices - 1 {
                        for index in subjects * groups..<denseFlags.capacity {
                            counts[(index % groups + 1) * 16 + Int(flags[index])] += 1
                        }
                    }
                    let slots = campaignFlags.slotCount
                    campaignFlags.forEachWord(slots: slots * slice / slices..<slots * (slice + 1) / slices) { word in
                        counts[PairFlags.histogramIndex(word)] &+= 1
                    }
                }
                histograms[slice] = histogram
            }
        }
        finished = Array(repeating: EngagementTotals(), count: groupCount)
        for group in 0..<groupCount {
            var distinct = DistinctCounts()
            for histogram in histograms {
                for bits in 0..<16 { distinct.add(histogram[(group + 1) * 16 + bits], withFlags: UInt8(bits)) }
            }
            distinct.add(to: &finished[group])
        }
        for (key, micros) in revenue { finished[Int(key >> 32)].revenue[Int32(truncatingIfNeeded: key & 0xFFFF_FFFF)] = micros }
    }

    /// The distinct counts of one group, from its subjects' flags.
    private struct DistinctCounts {
        var reach: Int64 = 0
        var treatedConverters: Int64 = 0
        var engaged: Int64 = 0
        var controlSubjects: Int64 = 0
        var controlConverters: Int64 = 0

        /// Counts `subjects` subjects whose flags are `bits`.
        mutating func add(_ subjects: Int64, withFlags bits: UInt8) {
            if bits & SubjectFlags.delivered != 0 {
                reach += subjects
                if bits & SubjectFlags.converted != 0 { treatedConverters += subjects }
            }
            if bits & SubjectFlags.engaged != 0 { engaged += subjects }
            if bits & SubjectFlags.holdout != 0 {
                controlSubjects += subjects
                if bits & SubjectFlags.converted != 0 { controlConverters += subjects }
            }
        }

        func add(to totals: inout EngagementTotals) {
            totals.reach += reach
            totals.treatedConverters += treatedConverters
            totals.engaged += engaged
            totals.controlSubjects += controlSubjects
            totals.controlConverters += controlConverters
        }
    }
}

/// A set of (group, subject) pairs with 4 flag bits each, packed into one 64-bit word per
/// entry (group 28 bits, subject 32 bits, flags 4 bits): half the memory of a key/value
/// table, so twice as many entries stay in cache.
///
/// An entry's first slot comes from the top bits of its hash, so the table is in hash
/// order whatever its size: visiting one table's slots in order inserts into another (or
/// into the grown table) front to back, a sweep instead of a cache miss per entry.
package final class PairFlags {
    private var storage: LargeBuffer<UInt64>
    private var words: UnsafeMutablePointer<UInt64>
    private var capacity: Int
    /// 64 - log2(capacity): the hash shifted right by this is the first slot.
    private var shift: UInt64
    private var count = 0

    /// - Parameter growsInPlace: reserve address space to grow without copying (tests turn
    ///   it off to exercise the copying path, which is what runs when none can be had).
    package init(capacity: Int, growsInPlace: Bool = true) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        self.capacity = size
        shift = UInt64(64 - size.trailingZeroBitCount)
        // On 4 KiB pages, though probed at random: batches touch their slots ahead, so page
        // walks cost little, while each 2 MiB page of a table that grows to 128 MiB at 10M
        // needed fresh host memory on this VM (0.4 s of system time; the same user time).
        storage =
            growsInPlace
            ? LargeBuffer(zeroedCapacity: size, reserving: Self.maximumCapacity, hugePages: false) : LargeBuffer(zeroedCapacity: size)
        words = storage.base
    }

    /// The word of an entry: (group, subject) and its bits, as a table slot holds it.
    @inline(__always)
    package static func word(group: Int, subject: Int32, bits: UInt8) -> UInt64 {
        key(group: group, subject: subject) | UInt64(bits & 0xF)
    }

    @inline(__always)
    private static func key(group: Int, subject: Int32) -> UInt64 {
        // +1 keeps 0 free as the empty marker.
        UInt64(group + 1) << 36 | UInt64(UInt32(bitPattern: subject)) << 4
    }

    /// The (group, subject, bits) an entry's word holds.
    @inline(__always)
    private static func entry(_ word: UInt64) -> (group: Int, subject: Int32, bits: UInt8) {
        (Int(word >> 36) - 1, Int32(bitPattern: UInt32(truncatingIfNeeded: word >> 4)), UInt8(word & 0xF))
    }

    @inline(__always)
    private func home(_ key: UInt64) -> Int { Int(truncatingIfNeeded: ByteInterner.mix(key) >> shift) }

    /// Prefetches the word in the first slot `(group, subject)` probes.
    @inline(__always)
    package func touch(group: Int, subject: Int32) {
        prefetch(words + home(Self.key(group: group, subject: subject)))
    }

    @inline(__always)
    package func insert(group: Int, subject: Int32, bits: UInt8) {
        insert(key: Self.key(group: group, subject: subject), bits: UInt64(bits & 0xF))
    }

    @inline(__always)
    private func insert(key: UInt64, bits: UInt64) {
        let mask = capacity - 1
        var slot = home(key)
        while true {
            let word = words[slot]
            if word == 0 { break }
            if word & ~0xF == key {
                words[slot] = word | bits
                return
            }
            slot = (slot + 1) & mask
        }
        words[slot] = key | bits
        count += 1
        if count * 2 > capacity { grow() }
    }

    /// The number of slots, for visiting them in slices.
    package var slotCount: Int { capacity }

    /// Calls `body` with the word of every slot in `slots`, empty ones (0) included.
    @inline(__always)
    package func forEachWord(slots: Range<Int>, _ body: (UInt64) -> Void) {
        for slot in slots { body(words[slot]) }
    }

    /// Where ``EngagementAccumulator/finish(threads:)`` counts a slot's word: (group + 1) * 16
    /// + its flags, and 0 for an empty slot.
    @inline(__always)
    package static func histogramIndex(_ word: UInt64) -> Int { Int(truncatingIfNeeded: (word >> 36) << 4 | word & 0xF) }

    /// Visits every (group, subject, bits) entry, in hash order (tests read the table so).
    package func forEach(_ body: (Int, Int32, UInt8) -> Void) {
        for slot in 0..<capacity where words[slot] != 0 {
            let entry = Self.entry(words[slot])
            body(entry.group, entry.subject, entry.bits)
        }
    }

    /// Adds every entry of `other`, its pair translated by `translate` (see
    /// ``absorb(words:translate:)``).
    package func absorb(_ other: PairFlags, translate: (Int, Int32) -> (group: Int, subject: Int32)) {
        guard other.count > 0 else { return }
        var words = [UInt64](repeating: 0, count: other.count)
        var filled = 0
        for slot in 0..<other.capacity where other.words[slot] != 0 {
            words[filled] = other.words[slot]
            filled += 1
        }
        words.withUnsafeMutableBufferPointer { absorb(words: $0, translate: translate) }
    }

    /// Adds entries given as words (``word(group:subject:bits:)``, repeats allowed), their
    /// pair translated by `translate`; `words` is used as scratch space.
    ///
    /// A part numbers the campaigns (and the subjects with no consent record) it meets
    /// itself, so most of its pairs change key: they land all over this table, a cache miss
    /// each, overlapped by prefetching.
    package func absorb(words: UnsafeMutableBufferPointer<UInt64>, translate: (Int, Int32) -> (group: Int, subject: Int32)) {
        // Room for every word first (few repeat a pair): the table grows once, not at every
        // doubling along the way, and no slot moves between its prefetch and its insert.
        while (count + words.count) * 2 > capacity { grow() }
        for index in words.indices {
            let entry = Self.entry(words[index])
            let pair = translate(entry.group, entry.subject)
            words[index] = Self.key(group: pair.group, subject: pair.subject) | UInt64(entry.bits)
        }
        // In the order given, each insert's first slot asked for a few inserts ahead: the
        // table's misses overlap instead of being waited for one by one. (The words used to
        // be put in hash order first, for one sweep through the table; but a sweep that
        // sparse was too uneven for the hardware's prefetcher, and the first slot's load
        // still took 42% of this function's samples. Prefetched, 1.8 times fewer samples in
        // all, and no sorting pass or array.)
        let ahead = 16
        for index in words.indices {
            if index + ahead < words.count { prefetch(self.words + home(words[index + ahead] & ~0xF)) }
            insert(key: words[index] & ~0xF, bits: words[index] & 0xF)
        }
    }

    /// Room reserved for growing in place: 2^30 slots (8 GiB of address space, none of it
    /// used until the table grows into it; past that it grows by copying).
    private static let maximumCapacity = 1 << 30

    private func grow() {
        let oldCapacity = capacity
        if storage.extend(to: 2 * oldCapacity) {
            words = storage.base
            capacity *= 2
            shift -= 1
            redistribute(from: oldCapacity)
            return
        }
        let oldStorage = storage, old = words
        capacity *= 2
        shift -= 1
        storage = LargeBuffer(zeroedCapacity: capacity)
        words = storage.base
        let mask = capacity - 1
        // In slot order, entries land front to back in the new table.
        for index in 0..<oldCapacity where old[index] != 0 {
            var slot = home(old[index] & ~0xF)
            while words[slot] != 0 { slot = (slot + 1) & mask }
            words[slot] = old[index]
        }
        withExtendedLifetime(oldStorage) {}
    }

    /// Moves the entries of the first `oldCapacity` slots to their places in the doubled
    /// table, in place: the second half is new and empty.
    ///
    /// Slots are taken from the last down. An entry's new home is at least twice its old
    /// one, so it nearly always lies at or above the slot being emptied, in the part of the
    /// table already redone, where nothing is emptied again: every slot between its home and
    /// where it lands stays full, as linear probing needs. The few that would land below
    /// (long displacements near the start) or wrap past the end are put aside and inserted
    /// once every slot is redone.
    private func redistribute(from oldCapacity: Int) {
        var aside: [UInt64] = []
        for index in stride(from: oldCapacity - 1, through: 0, by: -1) where words[index] != 0 {
            let word = words[index]
            words[index] = 0
            var slot = home(word & ~0xF)
            guard slot >= index else {
                aside.append(word)
                continue
            }
            while slot < capacity && words[slot] != 0 { slot += 1 }
            if slot < capacity { words[slot] = word } else { aside.append(word) }
        }
        let mask = capacity - 1
        for word in aside {
            var slot = home(word & ~0xF)
            while words[slot] != 0 { slot = (slot + 1) & mask }
            words[slot] = word
        }
    }
}

/// (group, subject) pairs with their flags (``PairFlags/word(group:subject:bits:)``) in the
/// order they come, for a part's accumulator: appending is a write in sequence where a table
/// insert is a cache miss at random, and the run's table gets them when the part is absorbed.
///
/// Memory stays bounded by distinct pairs, as a table's would: past a few million entries a
/// full log is sorted and its repeats merged, and it grows only if that leaves it over half full.
final class PairLog {
    private var storage: LargeBuffer<UInt64>
    private(set) var count = 0

    /// Entries the log can grow to in place (2 GiB of address space, used only as needed).
    private static let maximumInPlace = 1 << 28
    /// A full log this long or longer is compacted before it grows.
    private let compactionThreshold: Int

    /// - Parameters:
    ///   - capacity: entries to start with (0: none until the first append).
    ///   - compactionThreshold: a few million entries (32 MiB); tests set less.
    init(capacity: Int = 1 << 16, compactionThreshold: Int = 1 << 22) {
        storage = LargeBuffer(zeroedCapacity: capacity, reserving: Self.maximumInPlace, hugePages: false)
        self.compactionThreshold = compactionThreshold
    }

    @inline(__always)
    func append(_ word: UInt64) {
        if count == storage.capacity { makeRoom() }
        storage[count] = word
        count += 1
    }

    /// Hands the entries to `body` (as scratch space it may overwrite), then empties the log.
    func drain(_ body: (UnsafeMutableBufferPointer<UInt64>) -> Void) {
        guard count > 0 else { return }
        body(UnsafeMutableBufferPointer(start: storage.base, count: count))
        count = 0
    }

    private func makeRoom() {
        if count >= compactionThreshold {
            compact()
            if count <= storage.capacity / 2 { return }
        }
        storage.grow(to: storage.capacity == 0 ? 1 << 16 : 2 * storage.capacity)
    }

    /// Sorts the entries and merges those of one pair into one, their flags or-ed.
    private func compact() {
        var entries = UnsafeMutableBufferPointer(start: storage.base, count: count)
        entries.sort()
        var kept = 0
        for word in entries {
            if kept > 0 && entries[kept - 1] & ~0xF == word & ~0xF {
                entries[kept - 1] |= word
            } else {
                entries[kept] = word
                kept += 1
            }
        }
        count = kept
    }
}
