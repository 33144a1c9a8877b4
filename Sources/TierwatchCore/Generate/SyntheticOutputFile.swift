#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One output file of the synthetic data set, written through a large byte buffer.
///
/// The hot loop formats every field itself into the buffer (no `String` per field) and the
/// buffer goes to the kernel in ~1 MiB `write(2)` calls, which is what keeps ten million
/// events at a few seconds. Rows are appended whole and `endRow()` flushes at a row
/// boundary, so a failed write never leaves half a row behind in a later successful call.
final class SyntheticOutputFile {
    let path: String
    private(set) var bytesWritten = 0
    private var descriptor: Int32
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0
    private static let flushThreshold = 1 << 20

    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw TierwatchError(.ioError, "cannot create \(path): \(SyntheticOutputFile.errnoText())")
        }
        capacity = SyntheticOutputFile.flushThreshold + (64 << 10)
        storage = .allocate(capacity: capacity)
    }

    deinit {
        storage.deallocate()
        if descriptor >= 0 { _ = close(descriptor) }
    }

    /// Number of bytes in the file once everything is flushed.
    var size: Int { bytesWritten + count }

    @inline(__always)
    func append(_ byte: UInt8) {
        if count == capacity { grow(1) }
        storage[count] = byte
        count += 1
    }

    @inline(__always)
    func append(_ bytes: [UInt8]) {
        let n = bytes.count
        if count + n > capacity { grow(n) }
        bytes.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { (storage + count).update(from: base, count: n) }
        }
        count += n
    }

    /// Appends `value` in decimal, left-padded with zeros to at least `width` digits.
    @inline(__always)
    func appendDigits(_ value: Int, width: Int) {
        precondition(value >= 0, "negative value")
        var digits = 1
        var probe = value / 10
        while probe > 0 {
            digits += 1
            probe /= 10
        }
        let n = max(digits, width)
        if count + n > capacity { grow(n) }
        var v = value
        var i = count + n - 1
        while i >= count {
            storage[i] = UInt8(truncatingIfNeeded: 48 + v % 10)
            v /= 10
            i -= 1
        }
        count += n
    }

    /// Appends an instant (milliseconds since 1970) as ISO-8601.
    ///
    /// `offsetMinutes` nil writes `Z`; otherwise the same instant in local time with the
    /// offset, `+01:00` or, when `compact`, the `2026-11-16 10:30:00+0100` form.
    func appendTimestamp(_ milliseconds: Int64, millis: Bool, offsetMinutes: Int? = nil, compact: Bool = false) {
        let local = milliseconds + Int64(offsetMinutes ?? 0) * 60_000
        let (dayNumber, msOfDay) = floorDivide(local, 86_400_000)
        let date = SyntheticCalendar.civil(fromDays: Int(dayNumber))
        let seconds = Int(msOfDay / 1000)
        appendDigits(date.year, width: 4)
        append(0x2D)
        appendDigits(date.month, width: 2)
        append(0x2D)
        appendDigits(date.day, width: 2)
        append(compact ? 0x20 : 0x54)
        appendDigits(seconds / 3600, width: 2)
        append(0x3A)
        appendDigits(seconds / 60 % 60, width: 2)
        append(0x3A)
        appendDigits(seconds % 60, width: 2)
        if millis {
            append(0x2E)
            appendDigits(Int(msOfDay % 1000), width: 3)
        }
        guard let offset = offsetMinutes else {
            append(0x5A)
            return
        }
        append(offset < 0 ? 0x2D : 0x2B)
        appendDigits(abs(offset) / 60, width: 2)
        if !compact { append(0x3A) }
        appendDigits(abs(offset) % 60, width: 2)
    }

    /// Appends an amount of cents as `123.45`.
    func appendCents(_ cents: Int) {
        appendDigits(cents / 100, width: 1)
        append(0x2E)
        appendDigits(cents % 100, width: 2)
    }

    /// Ends a row (LF) and hands the buffer to the kernel once it holds about 1 MiB.
    @inline(__always)
    func endRow() throws {
        append(0x0A)
        if count >= SyntheticOutputFile.flushThreshold { try flush() }
    }

    func flush() throws {
        var offset = 0
        while offset < count {
            let written = write(descriptor, storage + offset, count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw TierwatchError(.ioError, "cannot write \(path): \(SyntheticOutputFile.errnoText())")
            }
            offset += written
        }
        bytesWritten += count
        count = 0
    }

    /// Flushes and closes the file; the object must not be used afterwards.
    func finish() throws {
        try flush()
        let status = close(descriptor)
        descriptor = -1
        guard status == 0 else {
            throw TierwatchError(.ioError, "cannot close \(path): \(SyntheticOutputFile.errnoText())")
        }
    }

    private func grow(_ needed: Int) {
        let newCapacity = max(capacity * 2, count + needed)
        let newStorage = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newStorage.update(from: storage, count: count)
        storage.deallocate()
        storage = newStorage
        capacity = newCapacity
    }

    private func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b
        let r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    static func errnoText() -> String {
        guard let text = strerror(errno) else { return "errno \(errno)" }
        return String(cString: text)
    }

    /// Creates `path` and its missing parents (`mkdir -p`).
    static func makeDirectory(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw TierwatchError(.ioError, "cannot create directory \(prefix): \(errnoText())")
            }
        }
    }
}

/// Integer civil-date arithmetic (Howard Hinnant's algorithms), so no `Date` is involved.
enum SyntheticCalendar {
    static func days(fromYear year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days since 1970-01-01 of a strict `YYYY-MM-DD`, or nil.
    static func parseDay(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == 0x2D, bytes[7] == 0x2D else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            (1...12).contains(month), day >= 1
        else { return nil }
        let first = days(fromYear: year, month: month, day: 1)
        let next = month == 12 ? days(fromYear: year + 1, month: 1, day: 1) : days(fromYear: year, month: month + 1, day: 1)
        guard day <= next - first else { return nil }
        return days(fromYear: year, month: month, day: day)
    }

    /// `YYYY-MM-DD` of a day number.
    static func dayText(_ days: Int) -> String {
        let date = civil(fromDays: days)
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(date.year, 4))-\(pad(date.month, 2))-\(pad(date.day, 2))"
    }
}
