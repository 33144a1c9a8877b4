/// One field of a tokenized record: a byte range in the tokenizer's buffer.
package struct CSVField: Sendable {
    package var start: Int
    package var end: Int
}

/// A structural problem that makes a record unreadable.
package struct CSVProblem: Sendable, Equatable {
    /// 1-based field number where the problem was found.
    package var field: Int
    package var reason: String
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
    /// The current record's fields: raw storage, because an array's uniqueness and capacity
    /// checks on every append measured as a sixth of the tokenizer's instructions.
    private var fieldStorage: UnsafeMutablePointer<CSVField>
    private var fieldCapacity = 32
    private var fieldCount = 0
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
        fieldStorage = .allocate(capacity: fieldCapacity)
    }

    deinit {
        buffer.deallocate()
        fieldStorage.deallocate()
    }

    private var fields: UnsafeMutableBufferPointer<CSVField> { UnsafeMutableBufferPointer(start: fieldStorage, count: fieldCount) }

    @inline(__always)
    private func appendField(_ start: Int, _ end: Int) {
        if fieldCount == fieldCapacity {
            let grown = UnsafeMutablePointer<CSVField>.allocate(capacity: fieldCapacity * 2)
            grown.moveInitialize(from: fieldStorage, count: fieldCount)
            fieldStorage.deallocate()
            fieldStorage = grown
            fieldCapacity *= 2
        }
        fieldStorage[fieldCount] = CSVField(start: start, end: end)
        fieldCount += 1
    }

    /// The physical line number of the next record, counted from `origin` (line 1).
    package var line: Int { nextLine }

    /// The file offset of the first record left unread because it starts at or after
    /// `stopOffset`; nil while reading goes on.
    package private(set) var stoppedAt: Int64?

    /// Appends `bytes` and calls `onRecord` for every record they complete.
    package func feed(
        _ bytes: UnsafeRawBufferPointer, _ onRecord: (CSVRecord) throws -> Void
    ) throws {
        guard bytes.count > 0, stoppedAt == nil else { return }
        if length + bytes.count > capacity {
            var newCapacity = capacity
            while length + bytes.count > newCapacity { newCapacity *= 2 }
            let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 8)
            grown.copyMemory(from: buffer, byteCount: length)
            buffer.deallocate()
            buffer = grown
            capacity = newCapacity
        }
        (buffer + length).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        length += bytes.count
        try drain(final: false, onRecord)
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
        while position < length {
            if bufferOffset + Int64(position) >= stopOffset {
                stoppedAt = bufferOffset + Int64(position)
                break
            }
            guard let scan = scanRecord(from: position, final: final) else { break }
            let startLine = nextLine
            nextLine += scan.lines
            position = scan.next
            // A blank line is not a record.
            if fieldCount == 1 && fieldStorage[0].start == fieldStorage[0].end && scan.problem == nil {
                continue
            }
            var problem = scan.problem
            if scan.escapedFields != 0 { collapseDoubledQuotes(scan.escapedFields) }
            if problem == nil && scan.highBit {
                problem = firstInvalidUTF8Field()
            }
            try onRecord(
                CSVRecord(
                    line: startLine, fields: UnsafeBufferPointer(start: fieldStorage, count: fieldCount),
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

    private struct Scan {
        var next: Int
        var lines: Int
        var problem: CSVProblem?
        /// Bit `k` marks field `k` as holding doubled quotes; bit 63 stands for every field from 63 on.
        var escapedFields: UInt64
        var highBit: Bool
    }

    /// Tokenizes one record starting at `start`, or returns nil when it is incomplete.
    @inline(__always)
    private func scanRecord(from start: Int, final: Bool) -> Scan? {
        fieldCount = 0
        let bytes = UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self)
        let end = length
        var i = start
        var lines = 0
        var problem: CSVProblem?
        var escapedFields: UInt64 = 0
        var high: UInt8 = 0
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")

        /// Records the first problem of the record; `field` is 1-based.
        func note(_ reason: String, field: Int) {
            if problem == nil { problem = CSVProblem(field: field, reason: reason) }
        }

        while true {
            // At the start of a field.
            if i < end && bytes[i] == quote {
                i += 1
                let contentStart = i
                var contentEnd = -1
                while contentEnd < 0 {
                    guard i < end else { return nil }  // unclosed quote: wait for more, or finish() reports it
                    let b = bytes[i]
                    if b == quote {
                        if i + 1 >= end {
                            if !final { return nil }
                            contentEnd = i
                            i += 1
                        } else if bytes[i + 1] == quote {
                            escapedFields |= 1 << UInt64(min(fieldCount, 63))
                            i += 2
                        } else {
                            contentEnd = i
                            i += 1
                        }
                    } else {
                        if b == lf { lines += 1 }
                        high |= b
                        i += 1
                    }
                }
                appendField(contentStart, contentEnd)
                // After the closing quote: a delimiter, a line end or the end of input.
                if i < end {
                    let b = bytes[i]
                    if b != comma && b != lf && b != cr {
                        note("text after a closing quote", field: fieldCount)
                        while i < end && bytes[i] != comma && bytes[i] != lf && bytes[i] != cr {
                            high |= bytes[i]
                            i += 1
                        }
                    }
                }
            } else {
                let fieldStart = i
                // Eight bytes at a time up to the first comma, line end or quote (most fields
                // are plain); the byte loop below takes it from there.
                while i + 8 <= end {
                    let word = UnsafeRawPointer(bytes + i).loadUnaligned(as: UInt64.self)
                    let special = Self.specialBytes(word)
                    if special != 0 {
                        let before = special.trailingZeroBitCount & ~7
                        if word & ((1 << UInt64(before)) &- 1) & 0x8080_8080_8080_8080 != 0 { high |= 0x80 }
                        i += before >> 3
                        break
                    }
                    if word & 0x8080_8080_8080_8080 != 0 { high |= 0x80 }
                    i += 8
                }
                while i < end {
                    let b = bytes[i]
                    if b == comma || b == lf || b == cr { break }
                    if b == quote { note("a quote inside an unquoted field", field: fieldCount + 1) }
                    high |= b
                    i += 1
                }
                appendField(fieldStart, i)
            }
            // Delimiter or record end.
            guard i < end else {
                if !final { return nil }
                return Scan(next: end, lines: lines, problem: problem, escapedFields: escapedFields, highBit: high >= 0x80)
            }
            let b = bytes[i]
            if b == comma {
                i += 1
                if i >= end && !final { return nil }
                if i >= end {
                    appendField(i, i)
                    return Scan(next: end, lines: lines, problem: problem, escapedFields: escapedFields, highBit: high >= 0x80)
                }
                continue
            }
            if b == cr {
                if i + 1 >= end && !final { return nil }
                i += (i + 1 < end && bytes[i + 1] == lf) ? 2 : 1
            } else {
                i += 1
            }
            return Scan(next: i, lines: lines + 1, problem: problem, escapedFields: escapedFields, highBit: high >= 0x80)
        }
    }

    /// The high bit of every byte of `word` that is a comma, CR, LF or quote. Only the
    /// lowest set bit is exact (a borrow can mark a byte above a match): callers use that one.
    @inline(__always)
    private static func specialBytes(_ word: UInt64) -> UInt64 {
        @inline(__always) func zeroBytes(_ x: UInt64) -> UInt64 { (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080 }
        return zeroBytes(word ^ 0x2C2C_2C2C_2C2C_2C2C) | zeroBytes(word ^ 0x0A0A_0A0A_0A0A_0A0A)
            | zeroBytes(word ^ 0x0D0D_0D0D_0D0D_0D0D) | zeroBytes(word ^ 0x2222_2222_2222_2222)
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

/// Strict UTF-8 validation (no overlongs, no surrogates, nothing above U+10FFFF).
package enum UTF8Validation {
    package static func isValid(_ start: UnsafeRawPointer, _ count: Int) -> Bool {
        let p = start.assumingMemoryBound(to: UInt8.self)
        var i = 0
        while i < count {
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
