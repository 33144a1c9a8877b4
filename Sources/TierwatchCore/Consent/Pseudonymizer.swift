import Digests
internal import CIntrinsics

/// Keyed pseudonyms for subject ids: `p_` + 16 hex digits of HMAC-SHA256(key, id).
///
/// Keyed, so that nobody without the key can confirm a guess by hashing a known customer
/// id; stable for one key, so that a compliance officer can follow one subject across
/// reports and runs.
package final class Pseudonymizer {
    /// The key used when none is configured. It is published here, so pseudonyms made with
    /// it protect nothing against someone holding a list of customer ids: a warning says so.
    package static let publishedKey = "tierwatch-published-key-set-TIERWATCH_PSEUDONYM_KEY"

    private let key: [UInt8]
    private let mac: HMACSHA256
    /// The run's cache of the subjects every part numbers alike, if it has one.
    private let shared: SharedPseudonymBits?
    /// Per dense subject number (less `shared`'s count): the pseudonym's 64 bits, 0 until
    /// computed (bits that are 0 are computed again each time, which changes no result).
    private var cache: [UInt64] = []

    package init(key: String) {
        self.key = Array(key.utf8)
        mac = HMACSHA256(key: self.key)
        shared = nil
    }

    /// A pseudonymizer with the same key and its own MAC state and cache, for another
    /// thread; subjects numbered below `shared`'s count are cached there, for all threads.
    package init(sameKeyAs other: Pseudonymizer, sharing shared: SharedPseudonymBits? = nil) {
        key = other.key
        mac = HMACSHA256(key: key)
        self.shared = shared
    }

    /// The pseudonym of raw id bytes.
    package func pseudonym(_ id: UnsafeRawBufferPointer) -> String { Self.text(bits(id)) }

    /// The 64 bits a pseudonym shows: the MAC's first 8 bytes, the first one highest.
    private func bits(_ id: UnsafeRawBufferPointer) -> UInt64 {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: HMACSHA256.codeLength) { code in
            mac.authenticationCode(for: id, into: code.baseAddress!)
            return code.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
        }
    }

    /// The pseudonym `bits` stand for.
    package static func text(_ bits: UInt64) -> String {
        String(unsafeUninitializedCapacity: textLength) { write(bits, to: $0.baseAddress!) }
    }

    /// The length of every pseudonym's text: `p_` and 16 hexadecimal digits.
    static let textLength = 18

    /// Writes the pseudonym `bits` stand for at `out` (room for ``textLength``); returns
    /// how many bytes.
    @inline(__always)
    static func write(_ bits: UInt64, to out: UnsafeMutablePointer<UInt8>) -> Int {
        out[0] = UInt8(ascii: "p")
        out[1] = UInt8(ascii: "_")
        for index in 0..<16 {
            let digit = UInt8(truncatingIfNeeded: bits >> UInt64(60 - 4 * index)) & 0xF
            out[2 + index] = digit < 10 ? 0x30 + digit : 0x57 + digit
        }
        return textLength
    }

    /// A rejected value as `rejected.csv` may show it: subject ids pseudonymised, the rest as is.
    package func redacted(field: String, value: String) -> String {
        field == "subject_id" ? pseudonym(value) : value
    }

    package func pseudonym(_ id: String) -> String {
        Array(id.utf8).withUnsafeBytes { pseudonym($0) }
    }

    /// The 64 bits of the pseudonym of `id`'s bytes (see ``text(_:)``), computed once per
    /// `id` (a dense subject number): once per run for the numbers the shared cache holds,
    /// once per pseudonymizer for the others.
    package func pseudonymBits(_ id: UnsafeRawBufferPointer, cachedAs index: Int) -> UInt64 {
        var index = index
        if let shared {
            if index < shared.count { return shared.bits(index) { bits(id) } }
            index -= shared.count
        }
        if index >= cache.count { cache.append(contentsOf: repeatElement(0, count: max(index + 1, 2 * cache.count) - cache.count)) }
        if cache[index] != 0 { return cache[index] }
        let value = bits(id)
        cache[index] = value
        return value
    }
}

extension Pseudonymizer {
    /// Prefetches where ``pseudonymBits(_:cachedAs:)`` will look for subject `index`'s bits.
    @inline(__always)
    package func touch(cachedAs index: Int) {
        if let shared, index < shared.count {
            shared.touch(index)
        } else {
            let local = index - (shared?.count ?? 0)
            if local < cache.count { cache.withUnsafeBufferPointer { prefetch($0.baseAddress! + local) } }
        }
    }
}

/// Pseudonym bits that the parts of a run cache for all of them, on any thread: the
/// subjects every part numbers alike (the subject table once the consents are read,
/// ``PartInterner/known``). Each such subject's MAC is then computed once per run rather than
/// once per part: on a week where most uses break a rule, eight parts on two threads
/// computed most subjects' MACs eight times.
///
/// A slot is 0 until its bits are known. Slots are read and stored with relaxed atomics: two
/// threads may compute one subject's bits at the same time, and both store the same value.
package final class SharedPseudonymBits: @unchecked Sendable {
    private let slots: LargeBuffer<UInt64>
    /// Subjects numbered below this are cached here.
    package let count: Int

    package init(count: Int) {
        // Not populated: a week with few violations touches few of its pages.
        slots = LargeBuffer(zeroedCapacity: max(count, 1), populated: false)
        self.count = count
    }

    @inline(__always)
    func touch(_ index: Int) { prefetch(slots.base + index) }

    /// Subject `index`'s bits, from `compute` the first time.
    @inline(__always)
    func bits(_ index: Int, compute: () -> UInt64) -> UInt64 {
        let slot = slots.base + index
        let known = tw_load_relaxed(slot)
        if known != 0 { return known }
        let value = compute()
        tw_store_relaxed(slot, value)
        return value
    }
}
