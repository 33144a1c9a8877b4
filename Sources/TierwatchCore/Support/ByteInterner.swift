/// Maps byte strings to dense integer ids without creating a `String` per lookup.
///
/// Subject ids, campaign ids, purposes and categories arrive as bytes inside a CSV
/// buffer, millions of times. Interning them straight from those bytes into dense ids keeps
/// the hot loop free of allocations, and lets later stages index plain arrays by id. Keys
/// live back to back in one arena; the table is open addressing with linear probing.
package final class ByteInterner {
    private var arena: [UInt8] = []
    private var offsets: [Int] = [0]          // key i is arena[offsets[i]..<offsets[i+1]]
    private var hashes: [UInt64] = []
    /// Two words per slot. The first is 0 when empty, else (the hash's high 24 bits) << 40 |
    /// min(key length, 255) << 32 | (id + 1). The second holds a key of up to 8 bytes itself
    /// (zero-padded), so a probe for a short id (a customer number) touches one cache line
    /// and never the arena; for a longer key it holds the key's offset in the arena.
    private var slotStorage: LargeBuffer<UInt64>
    private var slots: UnsafeMutablePointer<UInt64>
    private var slotCount: Int
    private var mask: Int
    /// The first ``linearLimit`` keys' ``ShortKey``s, for ``linearLookup(_:)``.
    private let shortKeys = UnsafeMutablePointer<ShortKey>.allocate(capacity: linearLimit)
    /// While there are at most ``linearLimit`` keys: a perfect hash of their ``ShortKey``s,
    /// the id at ``smallSlot(_:_:)`` (-1 where none), so that a vocabulary lookup compares
    /// one key, not up to twelve: which of them matched was a branch the processor
    /// mispredicted on most lookups (a value's tier, event type or jurisdiction is anyone's
    /// guess). `smallMultiplier` 0: no perfect hash was found, keys are compared one by one.
    private let smallIndex = UnsafeMutablePointer<Int8>.allocate(capacity: 1 << smallIndexBits)
    private var smallMultiplier: UInt64 = 0
    private static let smallIndexBits = 6

    package init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slotCount = size
        slotStorage = LargeBuffer(zeroedCapacity: 2 * size)
        slots = slotStorage.base
        mask = size - 1
        smallIndex.initialize(repeating: -1, count: 1 << Self.smallIndexBits)
    }

    /// The number of distinct keys.
    package var count: Int { hashes.count }

    /// The id of `key`, adding it when new.
    @inline(__always)
    package func intern(_ key: UnsafeRawBufferPointer) -> Int32 {
        if hashes.count <= Self.linearLimit, let id = linearLookup(key) { return id }
        return probeOrAdd(key, hash: Self.hash(key))
    }

    /// ``intern(_:)`` with the key's ``hash(_:)`` already known.
    @inline(__always)
    package func intern(_ key: UnsafeRawBufferPointer, hash: UInt64) -> Int32 {
        if hashes.count <= Self.linearLimit, let id = linearLookup(key) { return id }
        return probeOrAdd(key, hash: hash)
    }

    @inline(__always)
    private func probeOrAdd(_ key: UnsafeRawBufferPointer, hash: UInt64) -> Int32 {
        let (found, slot) = probe(key, hash)
        if let found { return found }
        let id = Int32(hashes.count)
        (slots[2 * slot], slots[2 * slot + 1]) = Self.entry(key, hash: hash, id: id, offset: arena.count)
        arena.append(contentsOf: key)
        offsets.append(arena.count)
        hashes.append(hash)
        if Int(id) < Self.linearLimit {
            shortKeys[Int(id)] = ShortKey(key)
            indexSmall()
        }
        // Grow at 3/4 full: linear probing with a well-mixed hash stays short up to there.
        if hashes.count * 4 > slotCount * 3 { grow() }
        return id
    }

    /// The id of `key`, or nil when it was never interned.
    @inline(__always)
    package func lookup(_ key: UnsafeRawBufferPointer) -> Int32? {
        if hashes.count <= Self.linearLimit { return linearLookup(key) }
        return probe(key, Self.hash(key)).0
    }

    /// ``lookup(_:)`` with the key's ``hash(_:)`` already known.
    @inline(__always)
    package func lookup(_ key: UnsafeRawBufferPointer, hash: UInt64) -> Int32? {
        if hashes.count <= Self.linearLimit { return linearLookup(key) }
        return probe(key, hash).0
    }

    /// Whether lookups compare keys one by one rather than hash them (a handful of keys).
    @inline(__always)
    package var isSmall: Bool { hashes.count <= Self.linearLimit }

    /// Prefetches the slot where `key` would be found, and nothing else: a batch touches the
    /// slots of all its keys first, so that their cache misses overlap (see `EventPart`).
    @inline(__always)
    package func touch(_ key: UnsafeRawBufferPointer) { touch(hash: Self.hash(key)) }

    /// ``touch(_:)`` with the key's ``hash(_:)`` already known.
    @inline(__always)
    package func touch(hash: UInt64) {
        guard hashes.count > Self.linearLimit else { return }
        let slot = Int(truncatingIfNeeded: hash) & mask
        prefetch(slots + 2 * slot)
        // And the slot after it, where linear probing goes next when another key sits in
        // the first: on the same cache line (then this costs no second miss) except when the
        // first is its line's last.
        prefetch(slots + 2 * ((slot + 1) & mask))
    }

    /// Vocabularies (tiers, event types, purposes, categories) have a handful of values:
    /// comparing lengths and bytes is cheaper than hashing them.
    private static let linearLimit = 12

    /// A key's length and its first and last 8 bytes (zero-padded when shorter): equal for
    /// two keys of up to 16 bytes exactly when the keys are, without reading the arena.
    package struct ShortKey: Equatable {
        var length: Int
        var first: UInt64
        var last: UInt64

        @inline(__always)
        package init(_ key: UnsafeRawBufferPointer) {
            length = key.count
            if key.count >= 8 {
                first = key.loadUnaligned(as: UInt64.self)
                last = key.loadUnaligned(fromByteOffset: key.count - 8, as: UInt64.self)
            } else {
                first = ByteInterner.packed(key)
                last = 0
            }
        }
    }

    @inline(__always)
    private func linearLookup(_ key: UnsafeRawBufferPointer) -> Int32? {
        let wanted = ShortKey(key)
        if smallMultiplier != 0 {
            let id = Int(smallIndex[Self.smallSlot(wanted, smallMultiplier)])
            return id >= 0 && shortKeys[id] == wanted && (key.count <= 16 || equals(id, key)) ? Int32(id) : nil
        }
        for id in 0..<min(hashes.count, Self.linearLimit) where shortKeys[id] == wanted && (key.count <= 16 || equals(id, key)) {
            return Int32(id)
        }
        return nil
    }

    /// The slot of `key` in ``smallIndex`` under `multiplier`.
    @inline(__always)
    private static func smallSlot(_ key: ShortKey, _ multiplier: UInt64) -> Int {
        let folded = key.first ^ key.last &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: key.length)
        return Int(truncatingIfNeeded: (folded &* multiplier) >> UInt64(64 - smallIndexBits))
    }

    /// Rebuilds ``smallIndex`` for the first keys: the first multiplier of a fixed sequence
    /// under which no two of them share a slot (twelve keys in 64 slots: about one in three
    /// multipliers does). Keys longer than 16 bytes may share a ``ShortKey``, which no
    /// multiplier tells apart; those are compared one by one.
    private func indexSmall() {
        let keys = min(hashes.count, Self.linearLimit), size = 1 << Self.smallIndexBits
        smallMultiplier = 0
        for attempt in 1...64 {
            let multiplier = 0x9E37_79B9_7F4A_7C15 &* UInt64(attempt) | 1
            smallIndex.update(repeating: -1, count: size)
            var clash = false
            for id in 0..<keys {
                let slot = Self.smallSlot(shortKeys[id], multiplier)
                if smallIndex[slot] >= 0 {
                    clash = true
                    break
                }
                smallIndex[slot] = Int8(id)
            }
            if !clash {
                smallMultiplier = multiplier
                return
            }
        }
    }

    /// Whether vocabulary lookups go through the perfect hash (for tests).
    package var hasSmallIndex: Bool { smallMultiplier != 0 }

    deinit {
        shortKeys.deallocate()
        smallIndex.deallocate()
    }

    /// The two words of `key`'s slot.
    @inline(__always)
    private static func entry(_ key: UnsafeRawBufferPointer, hash: UInt64, id: Int32, offset: Int) -> (UInt64, UInt64) {
        let first = meta(hash, key.count) | UInt64(UInt32(id) + 1)
        return (first, key.count <= 8 ? packed(key) : UInt64(offset))
    }

    @inline(__always)
    private static func meta(_ hash: UInt64, _ count: Int) -> UInt64 {
        hash & 0xFFFF_FF00_0000_0000 | UInt64(min(count, 255)) << 32
    }

    /// Up to 8 bytes as one zero-padded word (reads nothing past the key). A key of 4 to 7
    /// bytes is two overlapping 4-byte loads (the bytes they share are the same, so OR-ing
    /// them is exact): vocabulary values such as `granted` or `cmp-app` took a byte loop.
    @inline(__always)
    package static func packed(_ key: UnsafeRawBufferPointer) -> UInt64 {
        let count = key.count
        if count == 8 { return key.loadUnaligned(as: UInt64.self) }
        if count >= 4 {
            let low = UInt64(key.loadUnaligned(as: UInt32.self))
            let high = UInt64(key.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
            return low | high << UInt64(8 * (count - 4))
        }
        var word: UInt64 = 0
        for index in 0..<count { word |= UInt64(key[index]) << UInt64(8 * index) }
        return word
    }

    /// Finds `key`'s id, or the empty slot where it would go.
    @inline(__always)
    private func probe(_ key: UnsafeRawBufferPointer, _ hash: UInt64) -> (Int32?, Int) {
        var slot = Int(truncatingIfNeeded: hash) & mask
        let meta = Self.meta(hash, key.count)
        if key.count <= 8 {
            let word = Self.packed(key)
            while true {
                let entry = slots[2 * slot]
                if entry == 0 { return (nil, slot) }
                if entry & 0xFFFF_FFFF_0000_0000 == meta && slots[2 * slot + 1] == word {
                    return (Int32(truncatingIfNeeded: (entry & 0xFFFF_FFFF) - 1), slot)
                }
                slot = (slot + 1) & mask
            }
        }
        while true {
            let entry = slots[2 * slot]
            if entry == 0 { return (nil, slot) }
            if entry & 0xFFFF_FFFF_0000_0000 == meta {
                let id = Int32(truncatingIfNeeded: (entry & 0xFFFF_FFFF) - 1)
                let same =
                    key.count < 255
                    ? arena.withUnsafeBytes { memoryEquals($0.baseAddress! + Int(slots[2 * slot + 1]), key.baseAddress!, key.count) }
                    : equals(Int(id), key)
                if same { return (id, slot) }
            }
            slot = (slot + 1) & mask
        }
    }

    /// Interns a Swift string (configuration values, not the hot path).
    package func intern(_ key: String) -> Int32 {
        var key = key
        return key.withUTF8 { intern(UnsafeRawBufferPointer($0)) }
    }

    package func lookup(_ key: String) -> Int32? {
        var key = key
        return key.withUTF8 { lookup(UnsafeRawBufferPointer($0)) }
    }

    /// The key of `id` as a string (for output only).
    package func string(_ id: Int32) -> String {
        let range = offsets[Int(id)]..<offsets[Int(id) + 1]
        return arena.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self)
        }
    }

    /// Calls `body` with the key bytes of `id`.
    package func withBytes<R>(_ id: Int32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let range = offsets[Int(id)]..<offsets[Int(id) + 1]
        return try arena.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[range])) }
    }

    @inline(__always)
    private func equals(_ id: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let start = offsets[id]
        let length = offsets[id + 1] - start
        guard length == key.count else { return false }
        if length == 0 { return true }
        return arena.withUnsafeBytes { memoryEquals($0.baseAddress! + start, key.baseAddress!, length) }
    }

    /// Adds the keys of `other`, none of which this table holds, in `other`'s order: the ids
    /// `count`, `count + 1`, … as interning them one by one would give, but without hashing
    /// or comparing any key again (`other` kept the hashes), and growing the slots at most once.
    package func append(newKeys other: ByteInterner) {
        guard other.count > 0 else { return }
        let first = hashes.count, base = arena.count
        arena += other.arena
        offsets += other.offsets.dropFirst().lazy.map { $0 + base }
        hashes += other.hashes
        if first < Self.linearLimit {
            for id in first..<min(hashes.count, Self.linearLimit) { withBytes(Int32(id)) { shortKeys[id] = ShortKey($0) } }
            indexSmall()
        }
        var size = slotCount
        while hashes.count * 4 > size * 3 { size *= 2 }
        if size > slotCount { rebuildSlots(size: size) } else { fillSlots(ids: first..<hashes.count) }
    }

    private func grow() { rebuildSlots(size: slotCount * 2) }

    private func rebuildSlots(size: Int) {
        slotStorage = LargeBuffer(zeroedCapacity: 2 * size)
        slots = slotStorage.base
        slotCount = size
        mask = size - 1
        fillSlots(ids: 0..<hashes.count)
    }

    /// Puts `ids` (keys not in the slots yet) into the slots.
    private func fillSlots(ids: Range<Int>) {
        arena.withUnsafeBytes { arena in
            for id in ids {
                // Keys go in in id order, their slots at random: each slot asked for a few
                // keys ahead, so that the misses overlap.
                if id + Self.prefetchDistance < ids.upperBound {
                    prefetch(slots + 2 * (Int(truncatingIfNeeded: hashes[id + Self.prefetchDistance]) & mask))
                }
                var slot = Int(truncatingIfNeeded: hashes[id]) & mask
                while slots[2 * slot] != 0 { slot = (slot + 1) & mask }
                let key = UnsafeRawBufferPointer(rebasing: arena[offsets[id]..<offsets[id + 1]])
                (slots[2 * slot], slots[2 * slot + 1]) = Self.entry(key, hash: hashes[id], id: Int32(id), offset: offsets[id])
            }
        }
    }

    /// How many keys ahead a pass over many keys prefetches their slots.
    private static let prefetchDistance = 16

    /// The ids of all of `other`'s keys in this table, in `other`'s order, interning the ones
    /// it lacks: what calling ``intern(_:)`` on each would give, but with `other`'s hashes
    /// and each key's slot prefetched a few keys ahead (merging a part's million new subjects
    /// otherwise waited for a cache miss per key, on one thread, while the others had nothing
    /// left to read).
    package func intern(keysOf other: ByteInterner) -> [Int32] {
        var ids: [Int32] = []
        ids.reserveCapacity(other.count)
        for id in 0..<other.count {
            if id + Self.prefetchDistance < other.count { touch(hash: other.hashes[id + Self.prefetchDistance]) }
            ids.append(other.withBytes(Int32(id)) { intern($0, hash: other.hashes[id]) })
        }
        return ids
    }

    /// FNV-1a over 8-byte words with a final avalanche: fast for short ids, well spread.
    @inline(__always)
    package static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(key.count)
        var i = 0
        let n = key.count
        while i + 8 <= n {
            h = (h ^ key.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x0000_0100_0000_01b3
            h ^= h >> 29
            i += 8
        }
        while i < n {
            h = (h ^ UInt64(key[i])) &* 0x0000_0100_0000_01b3
            i += 1
        }
        return mix(h)
    }

    @inline(__always)
    package static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

@inline(__always)
func memoryEquals(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
    var i = 0
    while i + 8 <= count {
        if a.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            != b.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        {
            return false
        }
        i += 8
    }
    while i < count {
        if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) {
            return false
        }
        i += 1
    }
    return true
}

/// An open-addressing map from 64-bit keys to small values, for per-(group, subject) state.
///
/// Keys and values sit side by side in one allocation, so a probe costs one cache miss;
/// `UInt64.max` marks an empty slot (no key of ours reaches it). A class with raw storage
/// rather than arrays: the hot loop updates it millions of times, and array copy-on-write
/// bookkeeping measured as a fifth of the run. Memory grows with distinct keys (subjects ×
/// groups), never with events.
package final class UInt64Map<Value> {
    private typealias Entry = (key: UInt64, value: Value)
    private static var emptyKey: UInt64 { .max }
    private var entries: UnsafeMutablePointer<Entry>
    private var capacity: Int
    private var mask: Int
    private let empty: Value
    package private(set) var count = 0

    package init(capacity: Int = 1024, empty: Value) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        self.capacity = size
        mask = size - 1
        self.empty = empty
        entries = .allocate(capacity: size)
        entries.initialize(repeating: (Self.emptyKey, empty), count: size)
    }

    deinit {
        entries.deinitialize(count: capacity)
        entries.deallocate()
    }

    /// The value for `key`, or nil.
    @inline(__always)
    package func get(_ key: UInt64) -> Value? {
        var slot = Int(truncatingIfNeeded: ByteInterner.mix(key)) & mask
        while true {
            let stored = entries[slot].key
            if stored == key { return entries[slot].value }
            if stored == Self.emptyKey { return nil }
            slot = (slot + 1) & mask
        }
    }

    /// Updates the value for `key` in place, inserting `empty` first when absent.
    @inline(__always)
    package func update(_ key: UInt64, _ body: (inout Value) -> Void) {
        precondition(key != Self.emptyKey, "UInt64.max is reserved")
        var slot = Int(truncatingIfNeeded: ByteInterner.mix(key)) & mask
        while true {
            let stored = entries[slot].key
            if stored == key {
                body(&entries[slot].value)
                return
            }
            if stored == Self.emptyKey { break }
            slot = (slot + 1) & mask
        }
        entries[slot] = (key, empty)
        body(&entries[slot].value)
        count += 1
        if count * 2 > capacity { grow() }
    }

    /// Visits every entry (order unspecified: callers aggregate, never list).
    package func forEach(_ body: (UInt64, Value) -> Void) {
        for slot in 0..<capacity where entries[slot].key != Self.emptyKey { body(entries[slot].key, entries[slot].value) }
    }

    private func grow() {
        let old = entries, oldCapacity = capacity
        capacity *= 2
        mask = capacity - 1
        entries = .allocate(capacity: capacity)
        entries.initialize(repeating: (Self.emptyKey, empty), count: capacity)
        for index in 0..<oldCapacity where old[index].key != Self.emptyKey {
            var slot = Int(truncatingIfNeeded: ByteInterner.mix(old[index].key)) & mask
            while entries[slot].key != Self.emptyKey { slot = (slot + 1) & mask }
            entries[slot] = old[index]
        }
        old.deinitialize(count: oldCapacity)
        old.deallocate()
    }
}

/// Ids that one part of an input gives out while other parts run: keys the shared table
/// already has keep their shared ids (it is only read), new keys are numbered from
/// `known` on in the part's own table. Merging the part interns those into the shared
/// table and says which shared id each of the part's ids became.
package final class PartInterner {
    private let shared: ByteInterner
    package let known: Int32
    private let added = ByteInterner(capacity: 1024)

    package init(shared: ByteInterner) {
        self.shared = shared
        known = Int32(shared.count)
    }

    @inline(__always)
    package func id(_ key: UnsafeRawBufferPointer) -> Int32 {
        // A key the shared table lacks is looked up twice: hashed once for both.
        if shared.isSmall && added.isSmall { return shared.lookup(key) ?? known + added.intern(key) }
        let hash = ByteInterner.hash(key)
        return shared.lookup(key, hash: hash) ?? known + added.intern(key, hash: hash)
    }

    /// ``id(_:)`` in steps, for a batch of keys with their ``ByteInterner/hash(_:)``:
    /// ``touchShared(hash:)`` each, then ``sharedID(_:hash:)``, which gives nil for a key the
    /// shared table lacks; for those ``touchAdded(hash:)``, then ``addedID(_:hash:)`` in
    /// the order ``id(_:)`` would have met them. The misses on each table then overlap.
    @inline(__always)
    package func touchShared(hash: UInt64) { shared.touch(hash: hash) }

    /// See ``touchShared(hash:)``.
    @inline(__always)
    package func sharedID(_ key: UnsafeRawBufferPointer, hash: UInt64) -> Int32? { shared.lookup(key, hash: hash) }

    /// See ``touchShared(hash:)``.
    @inline(__always)
    package func touchAdded(hash: UInt64) { added.touch(hash: hash) }

    /// See ``touchShared(hash:)``: the id of a key that ``sharedID(_:hash:)`` did not find.
    @inline(__always)
    package func addedID(_ key: UnsafeRawBufferPointer, hash: UInt64) -> Int32 { known + added.intern(key, hash: hash) }

    /// The key of one of this part's ids.
    package func withBytes<R>(_ id: Int32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        id < known ? try shared.withBytes(id, body) : try added.withBytes(id - known, body)
    }

    /// How many keys the part added.
    package var addedCount: Int { added.count }

    /// Interns the part's added keys into `table`, in order: their ids there.
    package func internAdded(into table: ByteInterner) -> [Int32] { table.intern(keysOf: added) }
}

/// Numbers the keys that parts add to a shared table, in the order the parts are merged,
/// without writing the shared table while other parts still read it: ``commit()`` adds
/// them to it once every part is merged, with the same ids.
package final class MergedIDs {
    private let shared: ByteInterner
    private let known: Int32
    private let added = ByteInterner(capacity: 1024)

    /// Call before any part of `shared` is made: the parts' `known` must be this one's.
    package init(_ shared: ByteInterner) {
        self.shared = shared
        known = Int32(shared.count)
    }

    /// The shared ids of a part's ids (merge parts in input order).
    package func merge(_ part: PartInterner) -> PartIDs {
        precondition(part.known == known, "the part was made from the same shared table")
        return PartIDs(known: known, added: part.internAdded(into: added).map { known + $0 })
    }

    /// Adds the merged keys to the shared table, where they get the ids `merge` gave them.
    package func commit() {
        precondition(shared.count == Int(known), "nothing else added to the shared table")
        shared.append(newKeys: added)
    }
}

/// How a merged part's ids translate to shared ids.
package struct PartIDs {
    package let known: Int32
    package let added: [Int32]

    @inline(__always)
    package func callAsFunction(_ id: Int32) -> Int32 { id < known ? id : added[Int(id - known)] }

    /// Whether every id stays as it was (true for the first part merged).
    package var isIdentity: Bool { added.enumerated().allSatisfy { $0.element == known + Int32($0.offset) } }
}
