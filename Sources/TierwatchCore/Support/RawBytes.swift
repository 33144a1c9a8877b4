/// A growable byte buffer in raw storage, for what a hot loop builds row after row (CSV
/// rows, violation details): appending to a `[UInt8]` checks uniqueness and goes through
/// the generic path on every call. Its owner frees it (``deallocate()``) in its `deinit`.
struct RawBytes {
    private(set) var base: UnsafeMutablePointer<UInt8>
    var count = 0
    private var capacity: Int

    init(capacity: Int) {
        base = .allocate(capacity: capacity)
        self.capacity = capacity
    }

    func deallocate() { base.deallocate() }

    /// The bytes appended so far (valid until the next append).
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    var lastByte: UInt8? { count > 0 ? base[count - 1] : nil }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        if count == capacity { grow(to: count + 1) }
        base[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func append(bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        let length = bytes.count
        if count + length > capacity { grow(to: count + length) }
        let target = UnsafeMutableRawPointer(base) + count
        // Most cells are 4–16 bytes (ids, codes, names): two words that may overlap copy them
        // without calling memmove, and read nothing outside `bytes`.
        if length >= 8 && length <= 16 {
            let head = source.loadUnaligned(as: UInt64.self), tail = source.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self)
            target.storeBytes(of: head, as: UInt64.self)
            target.storeBytes(of: tail, toByteOffset: length - 8, as: UInt64.self)
        } else if length >= 4 && length < 8 {
            let head = source.loadUnaligned(as: UInt32.self), tail = source.loadUnaligned(fromByteOffset: length - 4, as: UInt32.self)
            target.storeBytes(of: head, as: UInt32.self)
            target.storeBytes(of: tail, toByteOffset: length - 4, as: UInt32.self)
        } else {
            target.copyMemory(from: source, byteCount: length)
        }
        count += length
    }

    /// Appends a literal's bytes (no `String`, so nothing to retain).
    @inline(__always)
    mutating func append(_ text: StaticString) {
        append(bytes: UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends what `write` puts at the pointer it gets (room for `maximum` bytes); `write`
    /// returns how many it wrote.
    @inline(__always)
    mutating func append(upTo maximum: Int, _ write: (UnsafeMutablePointer<UInt8>) -> Int) {
        if count + maximum > capacity { grow(to: count + maximum) }
        count += write(base + count)
    }

    mutating func dropLastByte() { count -= 1 }

    private mutating func grow(to needed: Int) {
        let capacity = max(needed, 2 * self.capacity)
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        grown.update(from: base, count: count)
        base.deallocate()
        base = grown
        self.capacity = capacity
    }
}

/// Names a hot loop writes into every row (rule, severity, tier and state names,
/// jurisdiction codes), as bytes in one allocation: a `String` per cell would be retained,
/// released and asked for its UTF-8 form row after row. Its owner frees it (``deallocate()``).
///
/// Sendable: its memory is written only by `init`, and only read after.
struct ByteTable: @unchecked Sendable {
    /// `count + 1` offsets, then the names' bytes.
    private let offsets: UnsafeMutablePointer<Int>
    private let bytes: UnsafeMutablePointer<UInt8>

    init(_ names: [String]) {
        offsets = .allocate(capacity: names.count + 1)
        let total = names.reduce(0) { $0 + $1.utf8.count }
        bytes = .allocate(capacity: max(total, 1))
        var at = 0
        for (index, name) in names.enumerated() {
            offsets[index] = at
            for byte in name.utf8 {
                bytes[at] = byte
                at += 1
            }
        }
        offsets[names.count] = at
    }

    func deallocate() {
        offsets.deallocate()
        bytes.deallocate()
    }

    /// The bytes of name `index`.
    @inline(__always)
    subscript(index: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: bytes + offsets[index], count: offsets[index + 1] - offsets[index])
    }
}
