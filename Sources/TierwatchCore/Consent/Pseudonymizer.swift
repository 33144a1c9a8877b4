import Digests

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
    /// Per dense subject number: the pseudonym's 64 bits, and whether they are computed.
    private var cache: [UInt64] = []
    private var cached: [UInt64] = []

    package init(key: String) {
        self.key = Array(key.utf8)
        mac = HMACSHA256(key: self.key)
    }

    /// A pseudonymizer with the same key and its own MAC state and cache, for another thread.
    package init(sameKeyAs other: Pseudonymizer) {
        key = other.key
        mac = HMACSHA256(key: key)
    }

    /// The pseudonym of raw id bytes.
    package func pseudonym(_ id: UnsafeRawBufferPointer) -> String { Self.text(bits(id)) }

    /// The 64 bits a pseudonym shows: the MAC's first 8 bytes, the first one highest.
    private func bits(_ id: UnsafeRawBufferPointer) -> UInt64 {
        mac.authenticationCode(for: id).prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
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
    /// `id` (a dense subject number).
    package func pseudonymBits(_ id: UnsafeRawBufferPointer, cachedAs index: Int) -> UInt64 {
        if index >= cache.count {
            let count = max(index + 1, 2 * cache.count)
            cache.append(contentsOf: repeatElement(0, count: count - cache.count))
            cached.append(contentsOf: repeatElement(0, count: (count + 63) / 64 - cached.count))
        }
        let word = index / 64, bit = UInt64(1) << UInt64(index % 64)
        if cached[word] & bit != 0 { return cache[index] }
        let value = bits(id)
        cache[index] = value
        cached[word] |= bit
        return value
    }
}
