import Digests
import Glibc
import Synchronization

/// What reads the rows of one part of an input, on that part's thread.
package protocol InputPart: AnyObject {
    /// Decodes one well-formed row: returns its newest timestamp (for freshness checks), or
    /// throws why the row is rejected.
    func decode(_ record: CSVRecord, _ binding: ColumnBinding) throws(RowProblem) -> Int64?
    /// Rewrites a rejected value before it is logged (pseudonymises subject ids).
    func redact(field: String, value: String) -> String
    /// Called once after the part's last row: a part may hold rows back to work on them
    /// in batches.
    func finish() throws
    /// Called before the rows of each piece: the file they come from.
    func beginPiece(file: ResolvedFile)
    /// Called just before the part is merged: per file (by ``ResolvedFile/order``), the
    /// lines of that file before the part (its own line numbers count from its start).
    func willMerge(lineBases: [Int: Int])
}

extension InputPart {
    package func finish() throws {}
    package func beginPiece(file: ResolvedFile) {}
    package func willMerge(lineBases: [Int: Int]) {}
}

/// Reads every file of one input: tokenizes, binds each file's header, hands every
/// well-formed row to a part's `decode`, and logs every row that is malformed or refused.
///
/// A large input is read in several parts at once, one thread each (``InputPlan``). The
/// part after a cut starts at the first line end after it; that guess is wrong only when a
/// quoted field holds a line end right there, so every guess is checked against where the
/// part before actually stopped, and a part that started inside a record is read again
/// from the true boundary. Parts are merged in input order, so rows, rejects, their line
/// numbers and everything computed from them are exactly those of one sequential read.
package struct InputScanner {
    package let kind: InputKind
    package let spec: InputSpec
    package let rejects: RejectLog
    /// Where rejected rows wait (pseudonymised) until their part is merged.
    package let spillDirectory: String

    package init(kind: InputKind, spec: InputSpec, rejects: RejectLog, spillDirectory: String) {
        self.kind = kind
        self.spec = spec
        self.rejects = rejects
        self.spillDirectory = spillDirectory
    }

    /// What a scan read: one manifest record per file, how many parts the input was cut
    /// into, and how many of them had guessed their start wrong and were read again.
    package struct Result {
        package var records: [InputFileRecord]
        package var parts: Int
        package var rereads: Int
    }

    /// Reads `files` on up to `threads` threads, cut into up to `parts` parts of at
    /// least `minimumPartBytes`; `makePart(i)` makes the decoder of part `i` (called again
    /// when a part has to be reread) and `merge` receives every part once, in input order.
    ///
    /// There are several parts per thread, taken in turn by whichever thread is free, so a
    /// thread that meets slower rows or hashes a whole file does not hold up the others.
    /// A finished part is merged as soon as every part before it is: the thread that
    /// finishes the next part in line merges it (and any finished ones after it) while the
    /// other threads go on reading; only a thread that goes on to one of the last parts
    /// leaves its merge to the thread that finds nothing left to read. `merge` therefore
    /// runs on any thread, one call at a time, while other parts are still being read: it
    /// must not write anything a part reads.
    package func scan<Part: InputPart>(
        _ files: [ResolvedFile], threads: Int = 1, parts: Int = 1, minimumPartBytes: Int64 = 8 << 20,
        makePart: (Int) throws -> Part, merge: (Part) throws -> Void = { _ in }
    ) throws -> Result {
        let sizes = InputPlan.sizes(files)
        let plan = InputPlan.split(
            sizes: sizes, splittable: files.map { !$0.absolute.hasSuffix(".gz") }, parts: parts,
            smallParts: threads > 1 ? threads : 0, minimumPartBytes: minimumPartBytes)
        return try withoutActuallyEscaping(makePart) { makePart in
            try withoutActuallyEscaping(merge) { merge in
                var slots: [PartSlot<Part>] = []
                for (index, pieces) in plan.enumerated() {
                    slots.append(PartSlot(PartReader(self, files: files, pieces: pieces, part: try makePart(index), index: index)))
                }
                defer { for slot in slots { slot.reader?.spill.remove() } }
                let merger = InOrderMerger(self, files: files, slots: slots, makePart: makePart, merge: merge)
                let shared = UncheckedSendable((slots: slots, merger: merger, queue: PartQueue(count: slots.count)))
                let workers = min(threads, slots.count)
                Parallel.run(workers) { _ in
                    let (slots, merger, queue) = shared.value
                    var next = queue.take()
                    while !merger.failed, let index = next {
                        slots[index].reader!.read()
                        next = queue.take()
                        // The last parts start as soon as a thread is free, and merging waits
                        // for the thread that finds nothing left to read: merging first had a
                        // thread start the last part a merge later than it could have, while
                        // the other, done, waited for it (about 0.1 s at 10M).
                        merger.finished(index, merging: next.map { $0 < slots.count - workers } ?? true)
                    }
                }
                try merger.drain()
                return try merger.result()
            }
        }
    }
}

/// Hands out part indices, in order, to whichever thread asks.
private final class PartQueue: @unchecked Sendable {
    private let next = Atomic<Int>(0)
    private let count: Int

    init(count: Int) { self.count = count }

    func take() -> Int? {
        let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
        return index < count ? index : nil
    }
}

/// One part's reader, until the part is merged (then its memory is released).
private final class PartSlot<Part: InputPart> {
    var reader: PartReader<Part>?
    init(_ reader: PartReader<Part>) { self.reader = reader }
}

/// Merges finished parts in input order, on whichever thread finishes the next one in line.
///
/// Merging a part: checks its guessed start against where the part before it stopped
/// (rereading it from the true boundary on a miss), logs its rejected rows with file-wide
/// line numbers, adds up its manifest figures, and hands it to the caller's `merge`.
private final class InOrderMerger<Part: InputPart> {
    private struct Board {
        var done: [Bool]
        /// The next part to merge.
        var next = 0
        /// Whether a thread is merging now (only one at a time).
        var merging = false
        var error: (any Error)?
    }

    private let scanner: InputScanner
    private let files: [ResolvedFile]
    private let slots: [PartSlot<Part>]
    private let makePart: (Int) throws -> Part
    private let merge: (Part) throws -> Void
    private let board: Mutex<Board>
    private let failedFlag = Atomic<Bool>(false)
    // Written only by the merging thread; the mutex orders one merger after the next.
    private var previousEnd: Int64?
    private var lineBase: [Int]
    private var rows: [Int], rejected: [Int]
    private var newest: [Int64?]
    private var digests: [(sha256: String, bytes: Int64)]
    private var rereads = 0

    init(
        _ scanner: InputScanner, files: [ResolvedFile], slots: [PartSlot<Part>], makePart: @escaping (Int) throws -> Part,
        merge: @escaping (Part) throws -> Void
    ) {
        self.scanner = scanner
        self.files = files
        self.slots = slots
        self.makePart = makePart
        self.merge = merge
        board = Mutex(Board(done: Array(repeating: false, count: slots.count)))
        lineBase = Array(repeating: 0, count: files.count)
        rows = lineBase
        rejected = lineBase
        newest = Array(repeating: nil, count: files.count)
        digests = Array(repeating: (sha256: "", bytes: 0), count: files.count)
    }

    /// Whether a merge failed: threads stop taking parts.
    var failed: Bool { failedFlag.load(ordering: .relaxed) }

    /// Part `index` is read: merge it and whatever follows it, unless another thread is
    /// merging already (that thread will find it) or `merging` is false (a thread that
    /// merges later, or ``drain()``, will).
    func finished(_ index: Int, merging: Bool = true) {
        let claimed = board.withLock { board in
            board.done[index] = true
            guard merging && !board.merging && board.error == nil else { return false }
            board.merging = true
            return true
        }
        if claimed { mergeReady() }
    }

    /// Merges what is left once every thread is done, and throws the first failure.
    func drain() throws {
        let claimed = board.withLock { board in
            guard !board.merging && board.error == nil else { return false }
            board.merging = true
            return true
        }
        if claimed { mergeReady() }
        try board.withLock { board in
            if let error = board.error { throw error }
            precondition(board.next == board.done.count, "every part is merged")
        }
    }

    private func mergeReady() {
        while true {
            let index = board.withLock { board -> Int? in
                if board.next < board.done.count && board.done[board.next] { return board.next }
                board.merging = false
                return nil
            }
            guard let index else { return }
            do {
                try mergePart(index)
            } catch {
                failedFlag.store(true, ordering: .relaxed)
                board.withLock {
                    $0.error = error
                    $0.merging = false
                }
                return
            }
            board.withLock { $0.next += 1 }
        }
    }

    private func mergePart(_ index: Int) throws {
        var reader = slots[index].reader!
        defer {
            reader.spill.remove()
            slots[index].reader = nil
        }
        // Check a guessed start against where the part before stopped; reread on a miss.
        if let first = reader.pieces.first, !first.exact, index > 0, let boundary = previousEnd,
            reader.results.first?.start != boundary
        {
            var pieces = reader.pieces
            pieces[0].start = boundary
            pieces[0].exact = true
            reader.spill.remove()
            rereads += 1
            reader = PartReader(scanner, files: files, pieces: pieces, part: try makePart(index), index: index)
            reader.read()
        }
        for result in reader.results {
            if let error = result.error { throw error }
            rows[result.file] += result.rows
            rejected[result.file] += result.rejected
            if let instant = result.newest, instant > (newest[result.file] ?? .min) { newest[result.file] = instant }
            if let digest = result.digest { digests[result.file] = digest }
        }
        var base: [Int: Int] = [:]
        for result in reader.results {
            base[result.file] = lineBase[result.file]
            lineBase[result.file] += result.lines
        }
        try reader.spill.replay { file, line, problem throws(TierwatchError) in
            try scanner.rejects.add(scanner.kind, file: files[file], line: line + (base[file] ?? 0), problem: problem)
        }
        previousEnd = reader.results.last?.end
        reader.part.willMerge(lineBases: Dictionary(uniqueKeysWithValues: base.map { (files[$0.key].order, $0.value) }))
        try merge(reader.part)
    }

    /// The manifest records, once every part is merged; throws when too many rows were rejected.
    func result() throws -> InputScanner.Result {
        let records = files.indices.map { index in
            InputFileRecord(
                path: files[index].display, sha256: digests[index].sha256, bytes: digests[index].bytes, rows: rows[index],
                rejected: rejected[index], newest: newest[index])
        }
        let spec = scanner.spec, kind = scanner.kind, rejects = scanner.rejects
        let totalRows = rows.reduce(0, +), totalRejected = rejected.reduce(0, +)
        if totalRows > 0 && Double(totalRejected) > spec.maxRejectRate * Double(totalRows) {
            let examples = (rejects.examples[kind] ?? []).map { "\n  \($0)" }.joined()
            throw TierwatchError(
                .badData,
                "\(kind.rawValue): \(totalRejected) of \(totalRows) rows rejected (\(FixedPoint.ratio(Int64(totalRejected), Int64(totalRows), times: 100, scale: 2))%), above max_reject_rate \(FixedPoint.ratio(Int64((spec.maxRejectRate * 1_000_000).rounded()), 1_000_000, times: 100, scale: 2))%; first reasons:\(examples)")
        }
        return InputScanner.Result(records: records, parts: slots.count, rereads: rereads)
    }
}

/// What reading one piece found.
private struct PieceResult {
    var file: Int
    /// Where reading started (the guessed or known record boundary).
    var start: Int64
    /// Where it stopped: the first record left to the next part, or the end of the file.
    var end: Int64
    /// Physical lines consumed, counted from `start`.
    var lines = 0
    var rows = 0
    var rejected = 0
    var newest: Int64?
    /// SHA-256 and size of the whole file, from the piece that starts it.
    var digest: (sha256: String, bytes: Int64)?
    var error: (any Error)?
}

/// Reads the pieces of one part, in order, on the part's thread.
private final class PartReader<Part: InputPart> {
    let scanner: InputScanner
    let files: [ResolvedFile]
    let pieces: [InputPiece]
    let part: Part
    let spill: RejectSpill
    var results: [PieceResult] = []

    init(_ scanner: InputScanner, files: [ResolvedFile], pieces: [InputPiece], part: Part, index: Int) {
        self.scanner = scanner
        self.files = files
        self.pieces = pieces
        self.part = part
        spill = RejectSpill(path: scanner.spillDirectory + "/.rejects-\(scanner.kind.rawValue)-\(index).csv")
    }

    func read() {
        for piece in pieces {
            var result = PieceResult(file: piece.file, start: piece.start, end: piece.start)
            do {
                try read(piece, into: &result)
            } catch let error as TierwatchError
                where error.code == .badData && !error.message.hasPrefix(files[piece.file].display)
            {
                result.error = TierwatchError(.badData, "\(files[piece.file].display): \(error.message)")
            } catch {
                result.error = error
            }
            results.append(result)
            if result.error != nil { return }
        }
        do {
            try part.finish()
        } catch {
            if !results.isEmpty { results[results.count - 1].error = error }
        }
    }

    private func read(_ piece: InputPiece, into result: inout PieceResult) throws {
        let file = files[piece.file]
        let fd = open(file.absolute, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw TierwatchError(.missingInput, "cannot open \(file.display): \(AtomicFile.errorText())")
        }
        defer { close(fd) }
        var binding: ColumnBinding?
        // `binding` owns the header's binding; rows borrow it through `rowBinding`, which
        // spares a retain and a release per row (a variable the closure captures could
        // change during the call, so Swift retains what it reads from one).
        var rowBinding: Unmanaged<ColumnBinding>?
        if piece.start > 0 {
            binding = try header(fd, file)
            rowBinding = .passUnretained(binding!)
            result.start = piece.exact ? piece.start : try boundary(fd, file, after: piece.start)
        }
        let tokenizer = CSVTokenizer(origin: result.start, stopOffset: piece.end)
        part.beginPiece(file: file)
        func handle(_ record: CSVRecord) throws {
            guard let rowBinding else {
                if let problem = record.problem {
                    throw TierwatchError(.badData, "\(file.display) line \(record.line): the header cannot be read: \(problem.reason) at field \(problem.field)")
                }
                let bound = try ColumnBinding(kind: scanner.kind, spec: scanner.spec, header: record, file: file.display)
                binding = bound
                rowBinding = .passUnretained(bound)
                return
            }
            try rowBinding._withUnsafeGuaranteedRef { try row(record, $0) }
        }
        func row(_ record: CSVRecord, _ bound: ColumnBinding) throws {
            result.rows += 1
            var problem: RowProblem?
            if let structural = record.problem {
                problem = RowProblem(field: nil, reason: "\(structural.reason) at field \(structural.field)")
            } else if record.count != bound.fieldCount {
                problem = RowProblem(field: nil, reason: "expected \(bound.fieldCount) fields, found \(record.count)")
            } else {
                do throws(RowProblem) {
                    if let instant = try part.decode(record, bound), instant > (result.newest ?? .min) { result.newest = instant }
                } catch {
                    problem = error
                }
            }
            if var problem {
                if let field = problem.field, let value = problem.value { problem.value = part.redact(field: field, value: value) }
                result.rejected += 1
                try spill.add(file: piece.file, line: record.line, problem: problem)
            }
        }
        // The piece that starts a file also hashes all of it, past its own end if the file is cut.
        let hasher = piece.start == 0 ? SHA256Hasher() : nil
        let stored = try InputStream.decoded(fd, file, from: result.start, hasher: hasher, space: tokenizer.space) { block in
            try tokenizer.feed(block, handle)
            return tokenizer.stoppedAt == nil
        }
        if tokenizer.stoppedAt == nil { try tokenizer.finish(handle) }
        withExtendedLifetime(binding) {}  // rows borrowed it until here
        if piece.start == 0 && rowBinding == nil {
            throw TierwatchError(.badData, "\(file.display): the file is empty; expected a header row")
        }
        result.end = tokenizer.stoppedAt ?? result.start + stored
        result.lines = tokenizer.line - 1
        if let hasher { result.digest = (Hex.encode(hasher.finalize()), stored) }
    }

    /// The header of a file this piece starts in the middle of.
    private func header(_ fd: Int32, _ file: ResolvedFile) throws -> ColumnBinding {
        let tokenizer = CSVTokenizer()
        var binding: ColumnBinding?
        try InputStream.blocks(fd, file, from: 0) { chunk in
            try tokenizer.feed(chunk) { record in
                if binding == nil && record.problem == nil {
                    binding = try ColumnBinding(kind: scanner.kind, spec: scanner.spec, header: record, file: file.display)
                }
            }
            return binding == nil
        }
        guard let binding else { throw TierwatchError(.badData, "\(file.display): the header cannot be read") }
        return binding
    }

    /// The first offset at or after `start` that follows a line end (LF, CRLF or a lone CR):
    /// where a record starts, unless a quoted field holds that line end.
    private func boundary(_ fd: Int32, _ file: ResolvedFile, after start: Int64) throws -> Int64 {
        var previous: UInt8?
        var position = start - 1
        var found: Int64?
        try InputStream.blocks(fd, file, from: start - 1, blockSize: 1 << 16) { chunk in
            for byte in chunk {
                if let previous, position >= start,
                    previous == UInt8(ascii: "\n") || (previous == UInt8(ascii: "\r") && byte != UInt8(ascii: "\n"))
                {
                    found = position
                    return false
                }
                previous = byte
                position += 1
            }
            return true
        }
        return found ?? position
    }
}

/// Rejected rows of one part, kept on disk (values already pseudonymised) until the part
/// is merged: a part cannot know its rows' file-wide line numbers before the parts ahead of
/// it are done, and a file of bad rows must not be held in memory.
private final class RejectSpill {
    let path: String
    private var writer: CSVWriter?

    init(path: String) { self.path = path }

    func add(file: Int, line: Int, problem: RowProblem) throws(TierwatchError) {
        if writer == nil { writer = try CSVWriter(path: path, header: nil, mode: .raw) }
        try writer!.write([
            .plain(String(file)), .plain(String(line)), .plain(problem.field ?? ""), .plain(problem.reason),
            .plain(problem.value ?? ""), .plain(problem.signalRejection?.rawValue ?? ""),
        ])
    }

    /// Calls `body` with every spilled row, in the order they were added.
    func replay(_ body: (Int, Int, RowProblem) throws(TierwatchError) -> Void) throws {
        guard let writer else { return }
        try writer.flush()
        let tokenizer = CSVTokenizer()
        func row(_ record: CSVRecord) throws {
            let value = record.string(4)
            try body(
                Int(record.string(0))!, Int(record.string(1))!,
                RowProblem(
                    field: record.bytes(2).count == 0 ? nil : record.string(2), reason: record.string(3),
                    value: value.isEmpty ? nil : value, signalRejection: SignalRejection.Reason(rawValue: record.string(5))))
        }
        _ = try InputStream.read(ResolvedFile(absolute: path, display: path)) { try tokenizer.feed($0, row) }
        try tokenizer.finish(row)
    }

    func remove() {
        if writer != nil { unlink(path) }
        writer = nil
    }
}
