import Glibc

/// The last key looked up in a table and what it gave, for inputs that repeat a key over
/// many rows in a row: an events export lists a campaign's events together (and with them
/// its few `data_categories` combinations), a consents export a subject's records. A
/// repeated key then costs a comparison instead of hashing it and probing a table.
///
/// A key that changes on every row would cost that comparison and remembering the key on
/// top (2% of a 10M-event run whose rows were shuffled), so after ``missesBeforeBypass``
/// misses in a row the cache stands aside for ``bypassLength`` lookups, then tries again.
package final class LastKey<Value> {
    /// The last key's length and first and last 8 bytes (all of a key of up to 16 bytes),
    /// and its bytes (compared only for a longer key).
    private var short: ByteInterner.ShortKey?
    private var storage: UnsafeMutableRawPointer
    private var capacity = 64
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
        if let value = cached(bytes) { return value }
        let made = make(bytes)
        remember(bytes, made)
        return made
    }

    /// The last key's value when `bytes` equal that key; nil otherwise, and then the caller
    /// looks `bytes` up and passes the result to ``remember(_:_:)``.
    ///
    /// The same as ``value(for:_:)`` without a closure: a closure that captures a table
    /// retains it on every call and releases it inside (a pair per row, measured).
    @inline(__always)
    package func cached(_ bytes: UnsafeRawBufferPointer) -> Value? {
        guard bypass == 0 else { return nil }
        let key = ByteInterner.ShortKey(bytes)
        if key == short && (bytes.count <= 16 || memcmp(storage, bytes.baseAddress!, bytes.count) == 0), let value {
            misses = 0
            return value
        }
        return nil
    }

    /// What the table gave for `bytes`, after ``cached(_:)`` gave nil.
    @inline(__always)
    package func remember(_ bytes: UnsafeRawBufferPointer, _ made: Value?) {
        guard bypass == 0 else {
            bypass -= 1
            return
        }
        missed(bytes, ByteInterner.ShortKey(bytes), made)
    }

    private func missed(_ bytes: UnsafeRawBufferPointer, _ key: ByteInterner.ShortKey, _ made: Value?) {
        misses += 1
        value = made
        guard made != nil && misses < Self.missesBeforeBypass else {
            if misses >= Self.missesBeforeBypass {
                misses = 0
                bypass = Self.bypassLength
            }
            short = nil
            return
        }
        short = key
        guard bytes.count > 16 else { return }
        if bytes.count > capacity {
            storage.deallocate()
            capacity = bytes.count
            storage = .allocate(byteCount: capacity, alignment: 8)
        }
        storage.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
    }
}
