import Testing

@testable import TierwatchCore

/// Tokenizes `text` fed in chunks of `chunk` bytes; returns records as (line, fields, problem).
func tokenize(_ text: String, chunk: Int = 1 << 20) throws -> [(line: Int, fields: [String], problem: String?)] {
    try tokenize(bytes: Array(text.utf8), chunk: chunk).map { ($0.line, $0.fields.map { String(decoding: $0, as: UTF8.self) }, $0.problem) }
}

/// Tokenizes `bytes` fed in chunks of `chunk` bytes; returns records with their fields' bytes.
func tokenize(bytes: [UInt8], chunk: Int = 1 << 20) throws -> [(line: Int, fields: [[UInt8]], problem: String?)] {
    let tokenizer = CSVTokenizer(initialCapacity: 16)
    var out: [(Int, [[UInt8]], String?)] = []
    let collect: (CSVRecord) -> Void = { record in
        out.append((record.line, (0..<record.count).map { Array(record.bytes($0)) }, record.problem.map { "\($0.reason)@\($0.field)" }))
    }
    var offset = 0
    while offset < bytes.count {
        let end = min(bytes.count, offset + chunk)
        try bytes[offset..<end].withUnsafeBytes { try tokenizer.feed($0, collect) }
        offset = end
    }
    try tokenizer.finish(collect)
    return out.map { (line: $0.0, fields: $0.1, problem: $0.2) }
}

@Suite("CSV tokenizer (RFC 4180)")
struct CSVTokenizerTests {
    static let splitCases: [(String, [[String]])] = [
        ("a,b,c\n1,2,3\n", [["a", "b", "c"], ["1", "2", "3"]]),
        ("a,b\r\n1,2\r\n", [["a", "b"], ["1", "2"]]),
        ("a,b\n1,2", [["a", "b"], ["1", "2"]]),
        ("a,b\n\"x, y\",\"say \"\"hi\"\"\"\n", [["a", "b"], ["x, y", "say \"hi\""]]),
        ("a,b\n\"line1\nline2\",z\n", [["a", "b"], ["line1\nline2", "z"]]),
        ("\u{FEFF}a,b\n1,2\n", [["a", "b"], ["1", "2"]]),
        ("a,b\n\n1,2\n\n", [["a", "b"], ["1", "2"]]),
        ("a,b\n,\n", [["a", "b"], ["", ""]]),
        ("a,b\n1,\n", [["a", "b"], ["1", ""]]),
        ("a\r1\r", [["a"], ["1"]]),
        ("k,v\nHöstrea,Осенняя\n", [["k", "v"], ["Höstrea", "Осенняя"]]),
        ("a,b\n\"\",\"\"\"\"\n", [["a", "b"], ["", "\""]]),
    ]

    @Test("splits records and fields the way RFC 4180 defines them", arguments: splitCases)
    func splits(_ input: String, _ expected: [[String]]) throws {
        #expect(try tokenize(input).map(\.fields) == expected)
    }

    @Test("gives the same records whatever the block size", arguments: [1, 2, 3, 7, 64])
    func blockSizeDoesNotMatter(_ chunk: Int) throws {
        let text = "id,name,note\r\n1,\"A, \"\"quoted\"\" name\",\"two\nlines\"\r\n2,plain,x\r\n\u{FEFF}3,\"\",\"\"\r\n4,å,\"end\""
        let whole = try tokenize(text)
        let pieces = try tokenize(text, chunk: chunk)
        #expect(pieces.map(\.fields) == whole.map(\.fields))
        #expect(pieces.map(\.line) == whole.map(\.line))
        #expect(whole.count == 5)
    }

    /// Random records of long fields (so that fields span the tokenizer's 64-byte blocks),
    /// drawn from bytes around the separators: spaces and other bytes below 0x2D that are
    /// not separators, quotes, commas and line ends inside quoted fields, multi-byte
    /// characters, and now and then an invalid UTF-8 byte. Returns the file, and for each
    /// record its first line, its fields and the problem expected.
    static func randomFile(seed: UInt64) -> (bytes: [UInt8], records: [(line: Int, fields: [[UInt8]], problem: String?)]) {
        var state = seed
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let alphabet: [[UInt8]] = [
            Array("a".utf8), Array("Z".utf8), Array("7".utf8), Array(" ".utf8), Array("!".utf8), Array("#".utf8), Array("+".utf8),
            Array("*".utf8), Array("-".utf8), Array(":".utf8), Array("\t".utf8), Array("é".utf8), Array("Ж".utf8), Array("😀".utf8),
        ]
        let special: [[UInt8]] = [Array(",".utf8), Array("\"".utf8), Array("\n".utf8), Array("\r\n".utf8)]
        var bytes: [UInt8] = []
        var records: [(line: Int, fields: [[UInt8]], problem: String?)] = []
        var line = 1
        for _ in 0..<300 {
            var fields: [[UInt8]] = []
            var problem: String?
            var lines = 0
            var encoded: [[UInt8]] = []
            for field in 0..<(2 + next(12)) {
                var value: [UInt8] = []
                let quoted = next(4) == 0
                for _ in 0..<next([3, 12, 40, 150][next(4)]) {
                    value += quoted && next(6) == 0 ? special[next(special.count)] : alphabet[next(alphabet.count)]
                }
                if next(40) == 0 {
                    value.append(0xC3)  // a lead byte with no continuation
                    if problem == nil { problem = "invalid UTF-8@\(field + 1)" }
                }
                fields.append(value)
                if quoted {
                    lines += value.filter { $0 == UInt8(ascii: "\n") }.count
                    encoded.append([UInt8(ascii: "\"")] + value.flatMap { $0 == UInt8(ascii: "\"") ? [$0, $0] : [$0] } + [UInt8(ascii: "\"")])
                } else {
                    encoded.append(value)
                }
            }
            if fields.allSatisfy(\.isEmpty) { continue }  // a blank line is no record
            bytes += encoded.joined(separator: [UInt8(ascii: ",")])
            bytes += next(2) == 0 ? [0x0A] : [0x0D, 0x0A]
            records.append((line, fields, problem))
            line += lines + 1
        }
        return (bytes, records)
    }

    @Test("reads long random records the same whatever the block size", arguments: [1 << 20, 1, 7, 63, 64, 65, 200])
    func randomRecords(_ chunk: Int) throws {
        for seed: UInt64 in 1...8 {
            let file = Self.randomFile(seed: seed)
            let read = try tokenize(bytes: file.bytes, chunk: chunk)
            #expect(read.count == file.records.count)
            for (got, expected) in zip(read, file.records) {
                #expect(got.fields == expected.fields)
                #expect(got.line == expected.line)
                #expect(got.problem == expected.problem)
            }
        }
    }

    @Test("numbers records by the physical line they start on")
    func lineNumbers() throws {
        let records = try tokenize("h1,h2\n\"a\nb\",c\n\nd,e\n")
        #expect(records.map(\.line) == [1, 2, 5])
    }

    static let problemCases: [(String, String)] = [
        ("a,b\nx\"y,z\n", "a quote inside an unquoted field@1"),
        ("a,b\n\"x\"y,z\n", "text after a closing quote@1"),
        ("a,b\nok,\u{FF}\n", "invalid UTF-8@2"),
        ("a,b\nok,\u{ED}\u{A0}\u{80}\n", "invalid UTF-8@2"),
    ]

    @Test("marks malformed records with the reason and field", arguments: problemCases)
    func malformed(_ input: String, _ expected: String) throws {
        // Build invalid UTF-8 from the scalar escapes by mapping U+0080..U+00FF to raw bytes.
        let bytes: [UInt8] = input.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
        let tokenizer = CSVTokenizer()
        var problems: [String?] = []
        let collect: (CSVRecord) -> Void = { problems.append($0.problem.map { "\($0.reason)@\($0.field)" }) }
        try bytes.withUnsafeBytes { try tokenizer.feed($0, collect) }
        try tokenizer.finish(collect)
        #expect(problems == [nil, expected])
    }

    @Test("refuses a file whose quoted field never closes instead of swallowing the rest")
    func unterminatedQuote() throws {
        #expect(throws: TierwatchError.self) { try tokenize("a,b\n\"open,1\n2,3\n4,5\n") }
    }

    @Test("validates UTF-8 strictly")
    func utf8() {
        let valid: [[UInt8]] = [Array("å Ж 😀".utf8), [0x41]]
        let invalid: [[UInt8]] = [[0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]]
        for bytes in valid { #expect(bytes.withUnsafeBytes { UTF8Validation.isValid($0.baseAddress!, $0.count) }) }
        for bytes in invalid { #expect(!bytes.withUnsafeBytes { UTF8Validation.isValid($0.baseAddress!, $0.count) }) }
    }
}
