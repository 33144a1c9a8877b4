internal import CIntrinsics

/// One field of a tokenized record: a byte range in the tokenizer's buffer.
package struct CSVField: Sendable {
    package var start: Int
    package var end: Int
}

/// A structural problem that makes a record unreadable.
package struct CSVProblem: Sendable, Equatable {
    /// 1-based field number where the problem was found.
    package var field: Int
    /// A constant: a record's problem, nil for nearly every record, then holds no string
    /// that every record would release (a call per record).
    private var why: StaticString

    package init(field: Int, reason: StaticString) {
        self.field = field
        why = reason
    }

    package var reason: String { why.description }

    package static func == (a: CSVProblem, b: CSVProblem) -> Bool { a.field == b.field && a.reason == b.reason }
}

/// A complete record handed to the caller; valid only during the callback.
package struct CSVRecord {
    /// Physical line (1-based) on which the record starts.
    package var line: Int
    package var fields: UnsafeBufferPointer<CSVField>
    package var base: UnsafeRawPointer
    package var problem: CSVProblem?

    package var count: Int { fields.count }

    /// The bytes of field `index` (quotes removed, doubled quotes collapsed).
    @inline(__always)
    package func bytes(_ index: Int) -> UnsafeRawBufferPointer {
        let field = fields[index]
        return UnsafeRawBufferPointer(start: base + field.start, count: field.end - field.start)
    }

    package func string(_ index: Int) -> String {
        String(decoding: bytes(index), as: UTF8.self)
    }
}

/// An incremental RFC 4180 tokenizer over bytes pushed in blocks of any size.
///
/// Bytes are appended to one growing buffer; every complete record in it is tokenized in
/// place into byte ranges, and only the incomplete tail is kept for the next block. No
/// `String` is created per field: callers read bytes and create strings only for output.
/// Handles quoted fields, doubled quotes, embedded newlines, CRLF, LF or lone CR, a UTF-8
/// byte-order mark and invalid UTF-8 (reported as a problem on the record).
package final class CSVTokenizer {
    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int
    private var length = 0
    /// The current record's fields (see ``FieldList``).
    private var fieldList: FieldList
    private var nextLine = 1
    private var atFileStart: Bool
    /// A record larger than this is not a record but a broken file (an unclosed quote).
    private let maximumRecordBytes: Int
    /// The file offset of `buffer[0]`.
    private var bufferOffset: Int64
    /// No record starting at or after this file offset is read: it belongs to the next part.
    private let stopOffset: Int64

    /// - Parameters:
    ///   - origin: the file offset of the first byte that will be fed. Reading from the
    ///     middle of a file (`origin > 0`) must start at a record boundary; there is no
    ///     byte-order mark to skip there.
    ///   - stopOffset: records that start at or after this file offset are left unread;
    ///     ``stoppedAt`` tells where reading stopped.
    package init(initialCapacity: Int = 1 << 20, maximumRecordBytes: Int = 64 << 20, origin: Int64 = 0, stopOffset: Int64 = .max) {
        capacity = initialCapacity
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        self.maximumRecordBytes = maximumRecordBytes
        bufferOffset = origin
        self.stopOffset = stopOffset
        atFileStart = origin == 0
        fieldList = FieldList(capacity: 32)
    }

    deinit {
        buffer.deallocate()
        fieldList.storage.deallocate()
    }

    private var fields: UnsafeMutableBufferPointer<CSVField> { UnsafeMutableBufferPointer(start: fieldList.storage, count: fieldList.count) }

    /// The physical line number of the next record, counted from `origin` (line 1).
    package var line: Int { nextLine }

    /// The file offset of the first record left unread because it starts at or after
    /// `stopOffset`; nil while reading goes on.
    package private(set) var stoppedAt: Int64?

    /// Appends `bytes` and calls `onRecord` for every record they complete. Bytes read
    /// into ``space(_:)`` are appended where they are, without a copy.
    package func feed(
        _ bytes: UnsafeRawBufferPointer, _ onRecord: (CSVRecord) throws -> Void
    ) throws {
        guard bytes.count > 0, stoppedAt == nil else { return }
        if bytes.baseAddress != UnsafeRawPointer(buffer + length) {
            reserve(bytes.count)
            (buffer + length).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        }
        length += bytes.count
        try drain(final: false, onRecord)
    }

    /// Room for `count` more bytes after those kept, for a reader to fill and then pass to
    /// ``feed(_:_:)``: a block read there is not copied again. Valid until the next call.
    package func space(_ count: Int) -> UnsafeMutableRawBufferPointer {
        reserve(count)
        return UnsafeMutableRawBufferPointer(start: buffer + length, count: count)
    }

    private func reserve(_ count: Int) {
        guard length + count > capacity else { return }
        var newCapacity = capacity
        while length + count > newCapacity { newCapacity *= 2 }
        let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 8)
        grown.copyMemory(from: buffer, byteCount: length)
        buffer.deallocate()
        buffer = grown
        capacity = newCapacity
    }

    /// Reads the last record (which may lack a line end) at end of input.
    ///
    /// Throws `TierwatchError(.badData)` when a quoted field is never closed: everything
    /// after its opening quote would otherwise vanish into one giant "field".
    package func finish(_ onRecord: (CSVRecord) throws -> Void) throws {
        guard stoppedAt == nil else { return }
        try drain(final: true, onRecord)
        if length > 0 && stoppedAt == nil {
            throw TierwatchError(
                .badData, "line \(nextLine): a quoted field is never closed, so the rest of the file cannot be read")
        }
    }

    private func drain(final: Bool, _ onRecord: (CSVRecord) throws -> Void) throws {
        var position = 0
        if atFileStart {
            if length < 3 && !final { return }
            if length >= 3 && buffer.load(as: UInt8.self) == 0xEF
                && buffer.load(fromByteOffset: 1, as: UInt8.self) == 0xBB
                && buffer.load(fromByteOffset: 2, as: UInt8.self) == 0xBF
            {
                position = 3
            }
            atFileStart = false
        }
        var separators = SeparatorIndex()
        // Every byte from `position` up to `asciiEnd` is ASCII: a record ending by then is
        // valid UTF-8 with no check of its own (one pass over the block, not one per record).
        var asciiEnd = UTF8Validation.firstNonASCII(buffer, from: position, to: length)
        while position < length {
            if bufferOffset + Int64(position) >= stopOffset {
                stoppedAt = bufferOffset + Int64(position)
                break
            }
            guard let scan = scanRecord(from: position, final: final, &separators) else { break }
            let startLine = nextLine
            let recordStart = position
            nextLine += scan.lines
            position = scan.next
            // A blank line is not a record.
            if fieldList.count == 1 && fieldList.storage[0].start == fieldList.storage[0].end && scan.problem == nil {
                continue
            }
            var problem = scan.problem
            // The record's bytes as read are valid UTF-8 exactly when every field is (fields
            // are bounded by ASCII separators, which no multi-byte character contains). A
            // record within the block's ASCII stretch needs no check of its own; any other
            // is checked whole, and only an invalid one is searched for its field.
            let record = UnsafeRawPointer(buffer) + recordStart, recordLength = scan.next - recordStart
            var valid = problem != nil || scan.next <= asciiEnd
            if !valid {
                valid = UTF8Validation.isValid(record, recordLength)
                asciiEnd = UTF8Validation.firstNonASCII(buffer, from: scan.next, to: length)
            }
            if scan.escapedFields != 0 { collapseDoubledQuotes(scan.escapedFields) }
            if !valid { problem = firstInvalidUTF8Field() }
            try onRecord(
                CSVRecord(
                    line: startLine, fields: UnsafeBufferPointer(start: fieldList.storage, count: fieldList.count),
                    base: UnsafeRawPointer(buffer), problem: problem))
        }
        // Keep the incomplete tail for the next block.
        if position > 0 {
            let tail = length - position
            if tail > 0 { buffer.copyMemory(from: buffer + position, byteCount: tail) }
            length = tail
            bufferOffset += Int64(position)
        }
        if length > maximumRecordBytes && stoppedAt == nil {
            throw TierwatchError(
                .badData,
                "line \(nextLine): one record is larger than \(maximumRecordBytes >> 20) MiB; a quoted field is probably never closed")
        }
    }

    /// Bits 0x2C (comma), 0x0A (LF) and 0x0D (CR).
    private static let fieldEnds: UInt64 = 1 << 0x2C | 1 << 0x0A | 1 << 0x0D
    private static let comma: UInt64 = 1 << 0x2C

    private struct Scan {
        var next: Int
        var lines: Int
        var problem: CSVProblem?
        /// Bit `k` marks field `k` as holding doubled quotes; bit 63 stands for every field from 63 on.
        var escapedFields: UInt64
    }

    /// Tokenizes one record starting at `start`, or returns nil when it is incomplete.
    ///
    /// The fields are gathered in a local ``FieldList`` and stored back once: as stored
    /// properties of the tokenizer, every field's append loaded its storage, count and
    /// capacity through `self` and stored the count back.
    @inline(__always)
    private func scanRecord(from start: Int, final: Bool, _ separators: inout SeparatorIndex) -> Scan? {
        var fields = fieldList
        fields.count = 0
        defer { fieldList = fields }
        let bytes = UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self)
        let end = length
        var i = start
        var lines = 0
        var problem: CSVProblem?
        var escapedFields: UInt64 = 0
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")

        /// Records the first problem of the record; `field` is 1-based.
        func note(_ reason: StaticString, field: Int) {
            if problem == nil { problem = CSVProblem(field: field, reason: reason) }
        }

        while true {
            // At the start of a field.
            if i < end && bytes[i] == quote {
                i += 1
                let contentStart = i
                var contentEnd = -1
                while contentEnd < 0 {
                    // Jump to the next quote or LF: the bytes before it are the field's text.
                    // The byte loop finishes the buffer's last few bytes, which no block covers.
                    let (candidate, found) = separators.next(bytes, from: i, end: end, quoted: true)
                    i = candidate
                    if !found { while i < end && bytes[i] != quote && bytes[i] != lf { i += 1 } }
                    guard i < end else { return nil }  // unclosed quote: wait for more, or finish() reports it
                    if bytes[i] == quote {
                        if i + 1 >= end {
                            if !final { return nil }
                            contentEnd = i
                        } else if bytes[i + 1] == quote {
                            escapedFields |= 1 << UInt64(min(fields.count, 63))
                            i += 1
                        } else {
                            contentEnd = i
                        }
                    } else {  // an LF
                        lines += 1
                    }
                    i += 1
                }
                fields.append(contentStart, contentEnd)
                // After the closing quote: a delimiter, a line end or the end of input.
                if i < end {
                    let b = bytes[i]
                    if b != comma && b != lf && b != cr {
                        note("text after a closing quote", field: fields.count)
                        while i < end && bytes[i] != comma && bytes[i] != lf && bytes[i] != cr { i += 1 }
                    }
                }
            } else {
                // Candidates for the field's end come from the separator index (a comma,
                // quote, CR or LF, or another byte below 0x2D, skipped); the byte loop
                // finishes the last few bytes of the buffer, which no block covers.
                let fieldStart = i
                while true {
                    let (candidate, found) = separators.next(bytes, from: i, end: end, quoted: false)
                    i = candidate
                    guard found else {
                        while i < end {
                            let b = bytes[i]
                            if b == comma || b == lf || b == cr { break }
                            if b == quote { note("a quote inside an unquoted field", field: fields.count + 1) }
                            i += 1
                        }
                        break
                    }
                    // Candidates are below 0x2D: one bit test says whether this one ends the
                    // field (a comparison per kind compiled to a jump table, mispredicted).
                    let b = bytes[i]
                    if Self.fieldEnds >> UInt64(b) & 1 != 0 { break }
                    if b == quote { note("a quote inside an unquoted field", field: fields.count + 1) }
                    i += 1
                }
                fields.append(fieldStart, i)
            }
            // Delimiter or record end.
            guard i < end else {
                if !final { return nil }
                return Scan(next: end, lines: lines, problem: problem, escapedFields: escapedFields)
            }
            // A comma, CR or LF. A bit test rather than `b == comma`, which the compiler
            // merged with the other byte comparisons into one mispredicted jump table.
            let b = bytes[i]
            i += 1
            if Self.comma >> UInt64(b & 63) & 1 != 0 {
                if i < end { continue }
                if !final { return nil }
                fields.append(i, i)
                return Scan(next: end, lines: lines, problem: problem, escapedFields: escapedFields)
            }
            if b == cr {
                if i >= end && !final { return nil }
                if i < end && bytes[i] == lf { i += 1 }
            }
            return Scan(next: i, lines: lines + 1, problem: problem, escapedFields: escapedFields)
        }
    }

    /// Collapses `""` to `"` inside quoted fields, in place (the record is complete).
    private func collapseDoubledQuotes(_ escaped: UInt64) {
        let bytes = buffer.assumingMemoryBound(to: UInt8.self)
        for index in fields.indices where escaped & (1 << UInt64(min(index, 63))) != 0 {
            let field = fields[index]
            var read = field.start, write = field.start
            var changed = false
            while read < field.end {
                let b = bytes[read]
                bytes[write] = b
                write += 1
                if b == UInt8(ascii: "\"") && read + 1 < field.end && bytes[read + 1] == UInt8(ascii: "\"") {
                    read += 2
                    changed = true
                } else {
                    read += 1
                }
            }
            if changed { fields[index].end = write }
        }
    }

    private func firstInvalidUTF8Field() -> CSVProblem? {
        for (index, field) in fields.enumerated()
        where !UTF8Validation.isValid(UnsafeRawPointer(buffer) + field.start, field.end - field.start) {
            return CSVProblem(field: index + 1, reason: "invalid UTF-8")
        }
        return nil
    }
}

/// The fields of the record being scanned: raw storage, because an array's uniqueness and
/// capacity checks on every append measured as a sixth of the tokenizer's instructions.
private struct FieldList {
    var storage: UnsafeMutablePointer<CSVField>
    var capacity: Int
    var count = 0

    init(capacity: Int) {
        storage = .allocate(capacity: capacity)
        self.capacity = capacity
    }

    @inline(__always)
    mutating func append(_ start: Int, _ end: Int) {
        if count == capacity { grow() }
        storage[count] = CSVField(start: start, end: end)
        count += 1
    }

    @inline(never)
    private mutating func grow() {
        let grown = UnsafeMutablePointer<CSVField>.allocate(capacity: capacity * 2)
        grown.moveInitialize(from: storage, count: count)
        storage.deallocate()
        storage = grown
        capacity *= 2
    }
}

/// Finds the candidates for a field's end 64 bytes at a time. Outside quotes: one bit per
/// byte below 0x2D, which takes in every comma (0x2C), quote (0x22), CR and LF, and a few
/// bytes that are none of them (a space, mostly), which the caller skips. Inside quotes:
/// one bit per quote or LF, so a quoted field's text is jumped over, not read byte by byte
/// (every event row has a quoted campaign name).
///
/// Looking for the end of each field on its own ran a loop whose length varied with the
/// field, and the processor mispredicted its exit about once per field; here a field's end
/// is one count of trailing zeros in a mask shared by the fields around it. The masks come
/// from SSE2 compares (`tw_csv_block` in `CIntrinsics`): 8 instructions per 16 bytes where
/// the arithmetic on 8-byte words took about 70 per 64 (1M week: the tokenizer's
/// instructions fell by a fifth, `valgrind --tool=cachegrind`).
private struct SeparatorIndex {
    /// The buffer position of bit 0 of the masks (far below 0 while no block is indexed).
    private var base = Int.min / 2
    private var masks = tw_csv_masks(below_dash: 0, quote_or_lf: 0)

    /// The first candidate at or after `start`, with `found` true; or, with `found` false,
    /// the position from which fewer than 64 bytes remain before `end` and none of those
    /// before it is a candidate. Outside quotes a candidate is a byte below 0x2D; inside
    /// (`quoted`), a quote or an LF.
    @inline(__always)
    mutating func next(_ bytes: UnsafePointer<UInt8>, from start: Int, end: Int, quoted: Bool) -> (Int, found: Bool) {
        var i = start
        while true {
            let offset = i &- base
            if offset >= 0 && offset < 64 {
                let rest = (quoted ? masks.quote_or_lf : masks.below_dash) >> UInt64(offset)
                if rest != 0 { return (i + rest.trailingZeroBitCount, true) }
                i = base + 64
            }
            guard i + 64 <= end else { return (i, false) }
            base = i
            masks = tw_csv_block(bytes + i)
        }
    }
}

/// Strict UTF-8 validation (no overlongs, no surrogates, nothing above U+10FFFF).
package enum UTF8Validation {
    /// The position of the first byte in `start..<end` that has its high bit set, or `end`:
    /// 32 bytes at a time until a block holds one.
    @inline(__always)
    package static func firstNonASCII(_ base: UnsafeRawPointer, from start: Int, to end: Int) -> Int {
        let high: UInt64 = 0x8080_8080_8080_8080
        var i = start
        while i &+ 32 <= end {
            let word = { (k: Int) in base.loadUnaligned(fromByteOffset: i &+ k, as: UInt64.self) }
            if (word(0) | word(8) | word(16) | word(24)) & high != 0 { break }
            i &+= 32
        }
        while i < end && base.load(fromByteOffset: i, as: UInt8.self) < 0x80 { i &+= 1 }
        return i
    }

    package static func isValid(_ start: UnsafeRawPointer, _ count: Int) -> Bool {
        let p = start.assumingMemoryBound(to: UInt8.self)
        var i = 0
        while i < count {
            // ASCII, eight bytes at a time.
            if i + 8 <= count && UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                continue
            }
            let b0 = p[i]
            if b0 < 0x80 {
                i += 1
                continue
            }
            func continuation(_ k: Int) -> Bool { i + k < count && p[i + k] & 0xC0 == 0x80 }
            if b0 >= 0xC2 && b0 <= 0xDF {
                guard continuation(1) else { return false }
                i += 2
            } else if b0 >= 0xE0 && b0 <= 0xEF {
                guard continuation(1), continuation(2) else { return false }
                let b1 = p[i + 1]
                if b0 == 0xE0 && b1 < 0xA0 { return false }  // overlong
                if b0 == 0xED && b1 >= 0xA0 { return false }  // surrogates
                i += 3
            } else if b0 >= 0xF0 && b0 <= 0xF4 {
                guard continuation(1), continuation(2), continuation(3) else { return false }
                let b1 = p[i + 1]
                if b0 == 0xF0 && b1 < 0x90 { return false }
                if b0 == 0xF4 && b1 >= 0x90 { return false }
                i += 4
            } else {
                return false
            }
        }
        return true
    }
}
