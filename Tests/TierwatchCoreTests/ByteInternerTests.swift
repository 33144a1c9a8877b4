import Testing

@testable import TierwatchCore

@Suite("Byte interner")
struct ByteInternerTests {
    /// Keys of every length class the slot layout treats differently: empty, inline (1–8
    /// bytes), in the arena (9–254) and too long for the length field (255 and more), many
    /// sharing prefixes, so that probes must tell them apart by their bytes.
    static func keys() -> [[UInt8]] {
        var keys: [[UInt8]] = [[]]
        for length in [1, 2, 7, 8, 9, 16, 36, 254, 255, 256, 1000] {
            for variant in 0..<300 {
                var key = Array(repeating: UInt8(ascii: "k"), count: length)
                var number = variant
                for index in stride(from: length - 1, through: 0, by: -1) where number > 0 {
                    key[index] = UInt8(48 + number % 10)
                    number /= 10
                }
                keys.append(key)
            }
        }
        // Keys that differ only in trailing zero bytes must stay distinct from shorter ones.
        keys += [[0], [0, 0], [65, 0], [65, 0, 0, 0, 0, 0, 0, 0], [65, 0, 0, 0, 0, 0, 0, 0, 0]]
        var seen = Set<[UInt8]>()
        return keys.filter { seen.insert($0).inserted }
    }

    @Test("interning gives dense ids in order of first appearance; lookups find exactly the interned keys")
    func denseIdsAndExactLookups() {
        let keys = Self.keys()
        let interner = ByteInterner(capacity: 4)  // grows many times
        for (index, key) in keys.enumerated() {
            #expect(key.withUnsafeBytes { interner.intern($0) } == Int32(index))
        }
        #expect(interner.count == keys.count)
        for (index, key) in keys.enumerated() {
            #expect(key.withUnsafeBytes { interner.intern($0) } == Int32(index), "interning again returns the same id")
            #expect(key.withUnsafeBytes { interner.lookup($0) } == Int32(index))
            #expect(interner.withBytes(Int32(index)) { Array($0) } == key)
        }
        for key in keys where !key.isEmpty {
            let unknown = key + [UInt8(ascii: "x")]
            if !keys.contains(unknown) { #expect(unknown.withUnsafeBytes { interner.lookup($0) } == nil) }
        }
        #expect(interner.count == keys.count, "lookups never add keys")
    }

    @Test("appending another table's new keys gives the ids and lookups of interning them one by one", arguments: [4, 1 << 16])
    func appendNewKeys(capacity: Int) {
        let keys = Self.keys()
        let split = keys.count / 3
        let interner = ByteInterner(capacity: capacity)  // 4: the slots grow on append; 1 << 16: they do not
        for key in keys[..<split] { _ = key.withUnsafeBytes { interner.intern($0) } }
        let added = ByteInterner(capacity: 4)
        for key in keys[split...] { _ = key.withUnsafeBytes { added.intern($0) } }
        interner.append(newKeys: added)
        #expect(interner.count == keys.count)
        var wrong = 0
        for (index, key) in keys.enumerated() {
            if key.withUnsafeBytes({ interner.lookup($0) }) != Int32(index) { wrong += 1 }
            if interner.withBytes(Int32(index), { Array($0) }) != key { wrong += 1 }
        }
        #expect(wrong == 0, "every key has the id interning in order gives it, and its bytes")
        #expect([UInt8]("not-a-key".utf8).withUnsafeBytes { interner.lookup($0) } == nil)
        // And the table goes on as usual afterwards: new keys get the next ids.
        #expect([UInt8]("not-a-key".utf8).withUnsafeBytes { interner.intern($0) } == Int32(keys.count))
        #expect(keys[split].withUnsafeBytes { interner.intern($0) } == Int32(split))
    }

    @Test("a vocabulary (up to 12 keys, looked up without hashing) tells apart keys that share their first and last bytes")
    func smallVocabulary() {
        // Same length, same first and last 8 bytes, differing only in the middle; padding
        // zeros; prefixes of one another.
        let keys = [
            "one_to_all", "one_to_many", "one_to_some", "one_to_few", "one_to_one", "abcdefgh_1_ijklmnop",
            "abcdefgh_2_ijklmnop", "abcdefghijklmnop", "abcdefgh", "abc", "abc\u{0}", "",
        ].map { Array($0.utf8) }
        let interner = ByteInterner(capacity: 4)
        for (index, key) in keys.enumerated() { #expect(key.withUnsafeBytes { interner.intern($0) } == Int32(index)) }
        var wrong = 0
        for (index, key) in keys.enumerated() where key.withUnsafeBytes({ interner.lookup($0) }) != Int32(index) { wrong += 1 }
        #expect(wrong == 0)
        for unknown in ["abcdefgh_3_ijklmnop", "one_to_", "ab", "abcdefghijklmnoq", "abc\u{0}\u{0}"] {
            #expect(Array(unknown.utf8).withUnsafeBytes { interner.lookup($0) } == nil, "\(unknown)")
        }
        // Appended keys join the vocabulary too.
        let small = ByteInterner(capacity: 4), more = ByteInterner(capacity: 4)
        for key in keys[..<3] { _ = key.withUnsafeBytes { small.intern($0) } }
        for key in keys[3...] { _ = key.withUnsafeBytes { more.intern($0) } }
        small.append(newKeys: more)
        for (index, key) in keys.enumerated() where key.withUnsafeBytes({ small.lookup($0) }) != Int32(index) { wrong += 1 }
        #expect(wrong == 0)
    }
}
