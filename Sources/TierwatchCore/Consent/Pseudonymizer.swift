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
    private var cache: [String?] = []

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
    package func pseudonym(_ id: UnsafeRawBufferPointer) -> String {
        "p_" + Hex.encode(mac.authenticationCode(for: id).prefix(8))
    }

    /// A rejected value as `rejected.csv` may show it: subject ids pseudonymised, the rest as is.
    package func redacted(field: String, value: String) -> String {
        field == "subject_id" ? pseudonym(value) : value
    }

    package func pseudonym(_ id: String) -> String {
        Array(id.utf8).withUnsafeBytes { pseudonym($0) }
    }

    /// The pseudonym of `id`'s bytes, computed once per `id` (a dense subject number).
    package func pseudonym(_ id: UnsafeRawBufferPointer, cachedAs index: Int) -> String {
        if index < cache.count, let cached = cache[index] { return cached }
        if index >= cache.count { cache.append(contentsOf: repeatElement(nil, count: max(index - cache.count + 1, cache.count))) }
        let value = pseudonym(id)
        cache[index] = value
        return value
    }
}
