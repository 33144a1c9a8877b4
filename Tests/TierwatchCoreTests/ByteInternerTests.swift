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
}
