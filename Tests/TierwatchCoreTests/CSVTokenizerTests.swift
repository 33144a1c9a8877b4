import Testing

@testable import TierwatchCore

/// Tokenizes `text` fed in chunks of `chunk` bytes; returns records as (line, fields, problem).
func tokenize(_ text: String, chunk: Int = 1 << 20) throws -> [(line: Int, fields: [String], problem: String?)] {
    let tokenizer = CSVTokenizer(initialCapacity: 16)
    var out: [(Int, [String], String?)] = []
    let collect: (CSVRecord) -> Void = { record in
        out.append((record.line, (0..<record.count).map { record.string($0) }, record.problem.map { "\($0.reason)@\($0.field)" }))
    }
    let bytes = Array(text.utf8)
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
