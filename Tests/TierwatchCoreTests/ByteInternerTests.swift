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
        // Two of these keys share a ShortKey: no perfect hash tells them apart.
        #expect(!interner.hasSmallIndex && !small.hasSmallIndex)
    }

    @Test("a vocabulary's perfect hash finds each of its keys and nothing else, as keys are added one by one or appended")
    func vocabularyPerfectHash() {
        let vocabulary = [
            "delivered", "open", "click", "conversion", "bounce", "unsubscribe", "holdout", "EU", "US-CA", "US-other",
            "other", "a_value_longer_than_sixteen_bytes",
        ].map { Array($0.utf8) }
        // Near misses: a byte changed, added or dropped at either end or in the middle.
        var misses: [[UInt8]] = [[], [0], Array("EUR".utf8), Array("delivere".utf8)]
        for key in vocabulary where !key.isEmpty {
            for position in [0, key.count / 2, key.count - 1] {
                var changed = key
                changed[position] ^= 0x20
                misses.append(changed)
            }
            misses.append(key + [UInt8(ascii: "x")])
            misses.append(Array(key.dropFirst()))
            misses.append(Array(key.dropLast()))
        }
        misses.removeAll { vocabulary.contains($0) }
        let oneByOne = ByteInterner(capacity: 4)
        var wrong = 0
        for (count, key) in vocabulary.enumerated() {
            #expect(key.withUnsafeBytes { oneByOne.intern($0) } == Int32(count))
            #expect(oneByOne.hasSmallIndex, "a perfect hash for \(count + 1) keys")
            for (index, known) in vocabulary[...count].enumerated() where known.withUnsafeBytes({ oneByOne.lookup($0) }) != Int32(index) {
                wrong += 1
            }
            for miss in misses + vocabulary[(count + 1)...] where miss.withUnsafeBytes({ oneByOne.lookup($0) }) != nil { wrong += 1 }
        }
        #expect(wrong == 0, "every known key found at its id, every other key missed")
        let appended = ByteInterner(capacity: 4), rest = ByteInterner(capacity: 4)
        for key in vocabulary[..<5] { _ = key.withUnsafeBytes { appended.intern($0) } }
        for key in vocabulary[5...] { _ = key.withUnsafeBytes { rest.intern($0) } }
        appended.append(newKeys: rest)
        #expect(appended.hasSmallIndex)
        for (index, key) in vocabulary.enumerated() where key.withUnsafeBytes({ appended.lookup($0) }) != Int32(index) { wrong += 1 }
        for miss in misses where miss.withUnsafeBytes({ appended.lookup($0) }) != nil { wrong += 1 }
        #expect(wrong == 0)
        // A thirteenth key moves lookups to the hashed slots; all thirteen are still found.
        #expect(Array("thirteenth".utf8).withUnsafeBytes { appended.intern($0) } == 12)
        for (index, key) in (vocabulary + [Array("thirteenth".utf8)]).enumerated()
        where key.withUnsafeBytes({ appended.lookup($0) }) != Int32(index) {
            wrong += 1
        }
        #expect(wrong == 0)
    }
}

@Suite("Part interner and last key")
struct PartInternerTests {
    @Test(
        "a part numbers the keys the shared table lacks after the shared ones, in order of first appearance",
        arguments: [3, 2000])
    func partIDs(sharedKeys: Int) {
        // 3 shared keys: both tables compare keys one by one at first; 2000: both hash
        // (one hash serves the shared lookup and the part's own intern).
        let keys = ByteInternerTests.keys()
        let shared = ByteInterner(capacity: 4)
        for key in keys[..<sharedKeys] { _ = key.withUnsafeBytes { shared.intern($0) } }
        let part = PartInterner(shared: shared)
        var wrong = 0
        for round in 0..<2 {
            for (index, key) in keys.enumerated() {
                let id = key.withUnsafeBytes { part.id($0) }
                if id != Int32(index) { wrong += 1 }
                if round == 1 && index >= sharedKeys && part.withBytes(id, { Array($0) }) != key { wrong += 1 }
            }
        }
        #expect(wrong == 0, "shared keys keep their ids, new ones follow them, repeats give the same id")
        #expect(part.addedCount == keys.count - sharedKeys)
        #expect(shared.count == sharedKeys, "the shared table is only read")
    }

    @Test(
        "merging parts in order numbers their new keys as interning every key in that order would, keys new to several parts once",
        arguments: [3, 2000])
    func mergedParts(sharedKeys: Int) {
        // 3 shared keys: the merged table starts by comparing keys one by one (and the first
        // part's keys cross that limit); 2000: it hashes, and grows while parts are merged.
        let keys = ByteInternerTests.keys()
        let shared = ByteInterner(capacity: 4)
        for key in keys[..<sharedKeys] { _ = key.withUnsafeBytes { shared.intern($0) } }
        let merged = MergedIDs(shared)
        // Three parts that each meet a stretch of the keys, the stretches overlapping, and
        // some shared keys.
        let rest = keys.count - sharedKeys
        let stretches = [0..<rest / 2, rest / 3..<rest * 3 / 4, rest / 4..<rest]
        let parts = stretches.map { stretch in
            let part = PartInterner(shared: shared)
            for offset in stretch.reversed() { _ = keys[sharedKeys + offset].withUnsafeBytes { part.id($0) } }
            for key in keys[..<min(sharedKeys, 5)] { _ = key.withUnsafeBytes { part.id($0) } }
            return part
        }
        // The reference: one table interning every part's keys in part order, then id order.
        let reference = ByteInterner(capacity: 4)
        for key in keys[..<sharedKeys] { _ = key.withUnsafeBytes { reference.intern($0) } }
        var wrong = 0
        for part in parts {
            let ids = merged.merge(part)
            for id in Int32(0)..<Int32(sharedKeys) + Int32(part.addedCount) {
                let expected = part.withBytes(id) { reference.intern($0) }
                if ids(id) != expected { wrong += 1 }
            }
        }
        #expect(wrong == 0, "every part's id translates to the id interning in merge order gives")
        merged.commit()
        #expect(shared.count == keys.count, "every key once, however many parts met it")
        var misplaced = 0
        for id in 0..<Int32(keys.count) where shared.withBytes(id, { Array($0) }) != reference.withBytes(id, { Array($0) }) { misplaced += 1 }
        for key in keys where key.withUnsafeBytes({ shared.lookup($0) }) != key.withUnsafeBytes({ reference.lookup($0) }) { misplaced += 1 }
        #expect(misplaced == 0, "the shared table then holds each key under that id, and finds it")
    }

    /// Looks `key` up in `cache`, recording every key `make` is called for in `asked`.
    private func lookUp<Value>(
        _ cache: LastKey<Value>, _ key: [UInt8], asked: inout [[UInt8]], _ make: (UnsafeRawBufferPointer) -> Value?
    ) -> Value? {
        key.withUnsafeBytes { bytes in
            cache.value(for: bytes) { bytes in
                asked.append(Array(bytes))
                return make(bytes)
            }
        }
    }

    @Test("the last key gives the last value without asking again, and asks again for any other key")
    func lastKey() {
        let cache = LastKey<Int>()
        var asked: [[UInt8]] = []
        func value(_ text: String) -> Int? {
            lookUp(cache, Array(text.utf8), asked: &asked) { bytes in
                bytes.count == 3 ? nil : bytes.count * 10 + Int(bytes.first ?? 0) % 10
            }
        }
        let rows = ["cmp-1", "cmp-1", "cmp-1", "cmp-10", "cmp-1", "", "", "cmp-2", "abc", "abc", "cmp-2"]
        let values = rows.map(value)
        #expect(values == [59, 59, 59, 69, 59, 0, 0, 59, nil, nil, 59])
        // Asked once per change of key, and again for a key whose value was nil.
        #expect(asked.map { String(decoding: $0, as: UTF8.self) } == ["cmp-1", "cmp-10", "cmp-1", "", "cmp-2", "abc", "abc", "cmp-2"])
    }

    @Test("after a run of misses the last key stands aside for a while, then caches again")
    func lastKeyBypass() {
        let cache = LastKey<Int>()
        var asked: [[UInt8]] = []
        func value(_ key: Int) -> Int? {
            lookUp(cache, withUnsafeBytes(of: key) { Array($0) }, asked: &asked) { $0.loadUnaligned(as: Int.self) * 2 }
        }
        // Distinct keys: every one is a miss; the misses that start the bypass are counted too.
        let misses = LastKey<Int>.missesBeforeBypass
        for key in 0..<misses { #expect(value(key) == 2 * key) }
        #expect(asked.count == misses)
        // Standing aside: a repeated key is asked for every time, and still answered right.
        for _ in 0..<LastKey<Int>.bypassLength { #expect(value(7) == 14) }
        #expect(asked.count == misses + LastKey<Int>.bypassLength)
        // Then it caches again: the first lookup asks, the repeats do not.
        for _ in 0..<10 { #expect(value(7) == 14) }
        #expect(asked.count == misses + LastKey<Int>.bypassLength + 1)
    }

    @Test("keys longer than 16 bytes that share their length and first and last 8 bytes are told apart")
    func lastKeyLongKeys() {
        let cache = LastKey<String>()
        var asked: [[UInt8]] = []
        let rows = [
            "location;device;demographics", "location;device;demographics", "location;devXce;demographics",
            "location;devXce;demographics", "location;device;demographics",
        ]
        let values = rows.map { row in lookUp(cache, Array(row.utf8), asked: &asked) { String(decoding: $0, as: UTF8.self) } }
        #expect(values == rows)
        #expect(asked.count == 3, "asked for the first row and for each change, never for a repeat")
    }
}

extension ByteInternerTests {
    @Test("a key of up to 8 bytes packs into the zero-padded little-endian word of its bytes")
    func packedWords() {
        var wrong: [String] = []
        for count in 0...8 {
            let key = (0..<count).map { UInt8(0x41 + 7 * $0 + count) }
            var expected: UInt64 = 0
            for (index, byte) in key.enumerated() { expected |= UInt64(byte) << UInt64(8 * index) }
            // Inside a larger buffer, so a load past the key's end would show in the word.
            let padded = [0xFF, 0xFF] + key + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
            let word = padded.withUnsafeBytes { ByteInterner.packed(UnsafeRawBufferPointer(rebasing: $0[2..<(2 + count)])) }
            if word != expected { wrong.append("\(count) bytes: \(String(word, radix: 16)) instead of \(String(expected, radix: 16))") }
        }
        #expect(wrong.isEmpty, "\(wrong)")
    }
}
