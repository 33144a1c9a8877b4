import Glibc

/// A cell of an output CSV.
package enum CSVCell {
    /// Text that came from input: quoted as needed and neutralised against spreadsheet
    /// formula injection (OWASP: a leading `=`, `+`, `-`, `@`, tab or CR gets a `'`).
    case text(String)
    /// A value this tool produced (numbers, vocabulary, our own timestamps): quoted as
    /// needed but never altered, so `-12.5` stays a number.
    case plain(String)
}

/// Who a CSV file is for, chosen per output file (`outputs.csv_mode`, `outputs.csv_modes`).
package enum CSVMode: String, Sendable, CaseIterable, Codable {
    /// For people with a spreadsheet: a UTF-8 byte-order mark (so Excel reads UTF-8) and text
    /// cells neutralised against formula injection; numbers are never altered.
    case spreadsheet
    /// For machines: no byte-order mark, every value exactly as it came.
    case raw
}

/// Writes RFC 4180 CSV (CRLF line ends, as the RFC and spreadsheets expect) to a file,
/// through one buffer.
package final class CSVWriter {
    private let fd: Int32
    /// Raw storage rather than `[UInt8]`: a violation row is a dozen appends, and each append
    /// to an array checked uniqueness and went through the generic path (a tenth of a run
    /// when most uses break a rule).
    private var buffer = RawBytes(capacity: 1 << 17)
    package let path: String
    package let mode: CSVMode
    package private(set) var rows = 0
    /// Bytes written to the file so far.
    private var flushedBytes: Int64 = 0
    /// The file's size once everything written so far is flushed: where the next row starts.
    package var position: Int64 { flushedBytes + Int64(buffer.count) }

    /// Creates (or truncates) the file at `path` and writes the header. Without a header
    /// (and without a byte-order mark) it writes rows to be appended to another file.
    package init(path: String, header: [String]?, mode: CSVMode = .spreadsheet) throws(TierwatchError) {
        self.path = path
        self.mode = mode
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw TierwatchError(.ioError, "cannot create \(path): \(AtomicFile.errorText())")
        }
        if let header {
            if mode == .spreadsheet { for byte: UInt8 in [0xEF, 0xBB, 0xBF] { buffer.append(byte) } }
            append(header.map { .plain($0) })
            Self.endRow(&buffer)
        }
    }

    deinit {
        Glibc.close(fd)
        buffer.deallocate()
    }

    /// Appends one data row.
    package func write(_ cells: [CSVCell]) throws(TierwatchError) {
        append(cells)
        try endRow()
    }

    /// Appends a cell of text that came from input to the row being written (see
    /// ``CSVCell/text(_:)``), straight from its bytes; ``endRow()`` ends the row.
    package func cell(text bytes: UnsafeRawBufferPointer) {
        Self.appendCell(bytes, neutralised: mode == .spreadsheet, to: &buffer)
    }

    /// Appends a cell of a value this tool produced (see ``CSVCell/plain(_:)``).
    package func cell(plain bytes: UnsafeRawBufferPointer) {
        Self.appendCell(bytes, neutralised: false, to: &buffer)
    }

    /// Appends a cell of a value this tool produced that needs no quotes (a timestamp, a
    /// pseudonym), written in place: `write` gets room for `maximum` bytes, returns how many.
    @inline(__always)
    package func cell(plainUpTo maximum: Int, _ write: (UnsafeMutablePointer<UInt8>) -> Int) {
        buffer.append(upTo: maximum, write)
        buffer.append(UInt8(ascii: ","))
    }

    /// Appends a cell of text that came from input.
    package func cell(text value: String) {
        var value = value
        value.withUTF8 { cell(text: UnsafeRawBufferPointer($0)) }
    }

    /// Appends a cell of a value this tool produced.
    package func cell(plain value: String) {
        var value = value
        value.withUTF8 { cell(plain: UnsafeRawBufferPointer($0)) }
    }

    /// Ends the row the `cell` calls wrote.
    package func endRow() throws(TierwatchError) {
        Self.endRow(&buffer)
        rows += 1
        if buffer.count >= 1 << 16 { try flush() }
    }

    /// Flushes and fsyncs, so a renamed report folder never holds a short file.
    package func close() throws(TierwatchError) {
        try flush()
        guard fsync(fd) == 0 else {
            throw TierwatchError(.ioError, "cannot sync \(path): \(AtomicFile.errorText())")
        }
    }

    private func append(_ cells: [CSVCell]) { Self.appendCells(cells, to: &buffer, mode: mode) }

    /// Appends cells, each followed by a comma (the row's end replaces the last one).
    private static func appendCells<Sink: ByteSink>(_ cells: [CSVCell], to buffer: inout Sink, mode: CSVMode = .spreadsheet) {
        for cell in cells {
            var value: String
            let neutralised: Bool
            switch cell {
            case .plain(let plain): (value, neutralised) = (plain, false)
            case .text(let text): (value, neutralised) = (text, mode == .spreadsheet)
            }
            value.withUTF8 { appendCell(UnsafeRawBufferPointer($0), neutralised: neutralised, to: &buffer) }
        }
    }

    /// Appends one cell and a comma: quoted when it holds a comma, quote, CR or LF (RFC 4180
    /// §2), and, when `neutralised`, prefixed with `'` where a spreadsheet would read a formula.
    @inline(__always)
    private static func appendCell<Sink: ByteSink>(_ bytes: UnsafeRawBufferPointer, neutralised: Bool, to buffer: inout Sink) {
        let prefix = neutralised && bytes.first.map(startsFormula) == true
        // Over the contiguous bytes: iterating `String.UTF8View` element by element cost
        // thousands of instructions per violation row.
        if !needsQuotes(bytes) {
            if prefix { buffer.append(UInt8(ascii: "'")) }
            buffer.append(bytes: bytes)
        } else {
            buffer.append(0x22)
            if prefix { buffer.append(UInt8(ascii: "'")) }
            for byte in bytes {
                if byte == 0x22 { buffer.append(0x22) }
                buffer.append(byte)
            }
            buffer.append(0x22)
        }
        buffer.append(UInt8(ascii: ","))
    }

    /// Whether `bytes` hold a comma, quote, CR or LF, looked for eight bytes at a time (a
    /// violation row is a dozen cells, and byte by byte this scan was 3% of a heavy week).
    @inline(__always)
    private static func needsQuotes(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let start = bytes.baseAddress else { return false }
        @inline(__always)
        func holdsAny(_ word: UInt64) -> Bool {
            // A byte of `word ^ c` is zero where `word` has `c`; `(x - 0x01…) & ~x & 0x80…`
            // is non-zero exactly when some byte of `x` is zero.
            func zeroByte(_ x: UInt64) -> UInt64 { (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080 }
            return zeroByte(word ^ 0x2C2C_2C2C_2C2C_2C2C) | zeroByte(word ^ 0x2222_2222_2222_2222)
                | zeroByte(word ^ 0x0A0A_0A0A_0A0A_0A0A) | zeroByte(word ^ 0x0D0D_0D0D_0D0D_0D0D) != 0
        }
        var at = 0
        while at + 8 <= bytes.count {
            if holdsAny(start.loadUnaligned(fromByteOffset: at, as: UInt64.self)) { return true }
            at += 8
        }
        while at < bytes.count {
            let byte = start.load(fromByteOffset: at, as: UInt8.self)
            if byte == 0x2C || byte == 0x22 || byte == 0x0A || byte == 0x0D { return true }
            at += 1
        }
        return false
    }

    /// Whether a value starting with `byte` is one a spreadsheet evaluates as a formula.
    private static func startsFormula(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D: true
        default: false
        }
    }

    /// Ends a row: CRLF in place of the comma after its last cell (a row of no cells is
    /// an empty line).
    private static func endRow<Sink: ByteSink>(_ buffer: inout Sink) {
        if buffer.lastByte == UInt8(ascii: ",") { buffer.dropLastByte() }
        buffer.append(0x0D)
        buffer.append(0x0A)
    }

    /// Appends the rows of `other` (a headerless writer in the same mode), byte for byte.
    package func append(rowsOf other: CSVWriter) throws(TierwatchError) {
        try other.flush()
        try flush()
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { block.deallocate() }
        var offset: off_t = 0
        while true {
            let count = pread(other.fd, block.baseAddress, block.count, offset)
            if count < 0 {
                if errno == EINTR { continue }
                throw TierwatchError(.ioError, "cannot read \(other.path): \(AtomicFile.errorText())")
            }
            if count == 0 { break }
            offset += off_t(count)
            flushedBytes += Int64(count)
            var written = 0
            while written < count {
                let result = Glibc.write(fd, block.baseAddress! + written, count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    throw TierwatchError(.ioError, "cannot write \(path): \(AtomicFile.errorText())")
                }
                written += result
            }
        }
        rows += other.rows
    }

    /// Writes out what is buffered and has the kernel start writing the file to disk,
    /// without waiting: a large file written over a whole run is then mostly on disk when
    /// ``close()`` syncs it, rather than all of it waiting for that (advice only).
    package func startWriteback() throws(TierwatchError) {
        try flush()
        // On Linux, POSIX_FADV_DONTNEED starts writeback of the dirty pages without waiting
        // (`sync_file_range` is not in Swift's Glibc module); the file is not read back.
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)
    }

    /// Writes out what is buffered (without syncing).
    package func flush() throws(TierwatchError) {
        var offset = 0
        while offset < buffer.count {
            let written = Glibc.write(fd, buffer.base + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw TierwatchError(.ioError, "cannot write \(path): \(AtomicFile.errorText())")
            }
            offset += written
        }
        flushedBytes += Int64(buffer.count)
        buffer.count = 0
    }

    /// Prefixes values a spreadsheet would evaluate as a formula.
    package static func neutralised(_ value: String) -> String {
        guard let first = value.utf8.first, startsFormula(first) else { return value }
        return "'" + value
    }

    /// Renders rows to a string (for small files written in one piece).
    package static func render(header: [String], rows: [[CSVCell]]) -> String {
        var buffer: [UInt8] = []
        for row in [header.map { CSVCell.plain($0) }] + rows {
            appendCells(row, to: &buffer)
            endRow(&buffer)
        }
        return String(decoding: buffer, as: UTF8.self)
    }
}

/// Where CSV bytes go: the writer's raw buffer, or an array for small files rendered whole.
protocol ByteSink {
    var lastByte: UInt8? { get }
    mutating func append(_ byte: UInt8)
    mutating func append(bytes: UnsafeRawBufferPointer)
    mutating func dropLastByte()
}

extension [UInt8]: ByteSink {
    var lastByte: UInt8? { last }
    mutating func append(bytes: UnsafeRawBufferPointer) { append(contentsOf: bytes) }
    mutating func dropLastByte() { removeLast() }
}

extension RawBytes: ByteSink {}
