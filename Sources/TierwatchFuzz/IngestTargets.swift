internal import TierwatchCore

extension FuzzTarget {
    /// The CSV tokenizer and the typed field parsers.
    static let ingestTargets: [FuzzTarget] = [
        FuzzTarget(name: "csv", run: tokenize),
        FuzzTarget(name: "fields", run: parseFields),
    ]

    /// Feeds the input in two blocks split where its first byte says, into a tokenizer with
    /// a tiny buffer and record limit, so that growing the buffer, records spanning blocks
    /// and the oversized-record refusal are reached by small inputs.
    private static func tokenize(_ bytes: UnsafeRawBufferPointer) {
        guard let first = bytes.first else { return }
        let body = UnsafeRawBufferPointer(rebasing: bytes.dropFirst())
        let split = body.isEmpty ? 0 : Int(first) % (body.count + 1)
        let tokenizer = CSVTokenizer(initialCapacity: 16, maximumRecordBytes: 1024)
        let visit: (CSVRecord) throws -> Void = { record in
            for index in 0..<record.count { _ = record.string(index) }
        }
        do {
            try tokenizer.feed(UnsafeRawBufferPointer(rebasing: body[..<split]), visit)
            try tokenizer.feed(UnsafeRawBufferPointer(rebasing: body[split...]), visit)
            try tokenizer.finish(visit)
        } catch {
            // A broken file is rejected with a message: the expected outcome.
        }
    }

    /// One field through every typed parser. The cached and uncached timestamp parsers must
    /// agree, and an instant must survive formatting and re-parsing.
    private static func parseFields(_ bytes: UnsafeRawBufferPointer) {
        _ = FieldParsers.micros(bytes)
        _ = FieldParsers.integer(bytes, in: 0...9999)
        let instant = FieldParsers.instant(bytes)
        precondition(FieldParsers.instant(bytes, cache: dateCache) == instant, "cached and uncached instant differ")
        guard let instant else { return }
        let formatted = Array(CivilCalendar.utcString(instant).utf8)
        let reparsed = formatted.withUnsafeBytes { FieldParsers.instant($0) }
        // Offsets can move an instant outside the four-digit years the parser reads.
        if formatted.count <= 24 {
            precondition(reparsed == instant, "instant \(instant) formats as \(String(decoding: formatted, as: UTF8.self)) which reads back as \(String(describing: reparsed))")
        }
    }

    /// Shared across inputs so that dates cached by earlier inputs are hit, as in a real file.
    nonisolated(unsafe) private static let dateCache = FieldParsers.DateCache()
}
