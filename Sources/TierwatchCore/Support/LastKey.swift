import Glibc

/// The last key looked up in a table and what it gave, for inputs that repeat a key over
/// many rows in a row: an events export lists a campaign's events together (and with them
/// its few `data_categories` combinations), a consents export a subject's records. A
/// repeated key then costs a comparison instead of hashing it and probing a table.
///
/// A key that changes on every row would cost that comparison and a copy of the key on
/// top (2% of a 10M-event run whose rows were shuffled), so after ``missesBeforeBypass``
/// misses in a row the cache stands aside for ``bypassLength`` lookups, then tries again.
package final class LastKey<Value> {
    private var storage: UnsafeMutableRawPointer
    private var capacity = 64
    /// The last key's length; -1 while there is none (or its value was nil).
    private var count = -1
    private var value: Value?
    private var misses = 0
    /// Lookups left that go straight to `make`.
    private var bypass = 0
    package static var missesBeforeBypass: Int { 8 }
    package static var bypassLength: Int { 256 }

    package init() { storage = .allocate(byteCount: capacity, alignment: 8) }

    deinit { storage.deallocate() }

    /// What `make(bytes)` gives, from the last call when `bytes` equal the last key. A nil
    /// result is not kept: `make` runs again for the same key.
    @inline(__always)
    package func value(for bytes: UnsafeRawBufferPointer, _ make: (UnsafeRawBufferPointer) -> Value?) -> Value? {
        if bypass > 0 {
            bypass -= 1
            return make(bytes)
        }
        if bytes.count == count && isLastKey(bytes), let value {
            misses = 0
            return value
        }
        let made = make(bytes)
        missed(bytes, made)
        return made
    }

    /// Whether `bytes`, as long as the last key, are the same bytes. Ids of 8 to 16 bytes
    /// (most subject and campaign ids) compare as two words each, without a call.
    @inline(__always)
    private func isLastKey(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard count >= 8 else { return count == 0 || memcmp(storage, bytes.baseAddress!, count) == 0 }
        let first = bytes.loadUnaligned(as: UInt64.self), last = bytes.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        guard first == storage.loadUnaligned(as: UInt64.self), last == storage.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        else { return false }
        return count <= 16 || memcmp(storage, bytes.baseAddress!, count) == 0
    }

    private func missed(_ bytes: UnsafeRawBufferPointer, _ made: Value?) {
        misses += 1
        value = made
        guard made != nil && misses < Self.missesBeforeBypass else {
            if misses >= Self.missesBeforeBypass {
                misses = 0
                bypass = Self.bypassLength
            }
            count = -1
            return
        }
        if bytes.count > capacity {
            storage.deallocate()
            capacity = bytes.count
            storage = .allocate(byteCount: capacity, alignment: 8)
        }
        if bytes.count > 0 { storage.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
        count = bytes.count
    }
}
