import Glibc

/// `tierwatch split JOB --shards N --out DIR`: writes a job's inputs again as one set of
/// parts per shard, `DIR/I/KIND/NNNN-NAME.csv`, every row in the part of the shard its
/// subject belongs to (``ShardSpec``, keyed by the job's pseudonym key; rows without a
/// subject, and rows that cannot be read, go to shard 0). A job whose paths are
/// `DIR/{shard}/KIND/*.csv` then lets each shard read only its own parts (``ShardParts``).
///
/// Rows are copied byte for byte (line ends, quoting and all), with each file's header at
/// the top of every part; a gzip input is written uncompressed. One pass per input file,
/// memory bounded by one block per shard. Every part is written under a temporary name and
/// renamed when complete, so an interrupted split leaves no part that looks finished.
package struct ShardSplitter {
    package let context: RunContext

    package init(context: RunContext) { self.context = context }

    /// What was written: per input, the path pattern to put in the job.
    package struct Result {
        package var patterns: [(kind: InputKind, path: String)]
    }

    package func split(_ job: JobDefinition, period: ReportPeriod, shards: Int, into folder: String) throws(TierwatchError) -> Result {
        var folder = folder
        if !folder.hasPrefix("/"), let cwd = getcwd(nil, 0) {
            folder = String(cString: cwd) + "/" + folder
            free(cwd)
        }
        let runner = JobRunner(context: context)
        let files = try runner.resolveInputs(job, period: period)
        let spec = ShardSpec(index: 0, count: shards, key: runner.pseudonymKey(job) ?? Pseudonymizer.publishedKey)
        var result = Result(patterns: [])
        for kind in InputKind.readingOrder {
            guard let list = files[kind], let input = job.inputs[kind] else { continue }
            if let split = list.first(where: { $0.shard != nil }) {
                throw TierwatchError(.usage, "\(kind.rawValue): \(split.display) is a part already (the job's path has {shard})")
            }
            for shard in 0..<shards { try FileTree.makeDirectories(folder + "/\(shard)/\(kind.rawValue)") }
            for file in list {
                var name = file.absolute.split(separator: "/").last.map(String.init) ?? file.absolute
                if name.hasSuffix(".gz") { name.removeLast(3) }
                let target = { (shard: Int) in folder + "/\(shard)/\(kind.rawValue)/" + Self.number(file.order) + "-" + name }
                try splitFile(file, subjectColumn: input.columns["subject_id"] ?? "subject_id", spec: spec, target: target)
            }
            result.patterns.append((kind, folder + "/\(ShardParts.placeholder)/\(kind.rawValue)/*"))
        }
        return result
    }

    private static func number(_ order: Int) -> String {
        let digits = String(order)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// Splits one file.
    private func splitFile(
        _ file: ResolvedFile, subjectColumn: String, spec: ShardSpec, target: (Int) -> String
    ) throws(TierwatchError) {
        let writers = try (0..<spec.count).map { shard throws(TierwatchError) in try PartWriter(path: target(shard)) }
        defer { for writer in writers { writer.abandon() } }
        let lines = LineBuffer()
        let tokenizer = CSVTokenizer()
        var subject: Int?
        var header = true
        // The record whose bytes are not all written yet: its shard, and the line it starts on.
        var pending: (shard: Int, line: Int)?
        func route(_ record: CSVRecord) throws(TierwatchError) {
            if header {
                header = false
                for index in 0..<record.count
                where String(decoding: FieldParsers.trimmed(record.bytes(index)), as: UTF8.self) == subjectColumn {
                    subject = index
                }
                pending = (-1, record.line)  // the header goes to every part
                return
            }
            if let (shard, _) = pending { try lines.write(before: record.line, to: shard < 0 ? writers : [writers[shard]]) }
            var shard = 0
            if let subject, record.problem == nil, subject < record.count { shard = spec.shard(of: record.bytes(subject)) }
            pending = (shard, record.line)
        }
        do {
            _ = try InputStream.read(file) { block in
                lines.append(block)
                try tokenizer.feed(block) { record in try route(record) }
            }
            try tokenizer.finish { record in try route(record) }
        } catch let error as TierwatchError {
            throw error
        } catch {
            throw TierwatchError(.badData, "\(file.display): \(error)")
        }
        if let (shard, _) = pending { try lines.write(before: .max, to: shard < 0 ? writers : [writers[shard]]) }
        for writer in writers { try writer.commit() }
    }
}

/// Bytes read but not yet written, cut at physical line ends the way ``CSVTokenizer``
/// counts lines (LF, CRLF or a lone CR), so a record is written as the lines from its own
/// to the next record's.
private final class LineBuffer {
    private var bytes: [UInt8] = []
    /// `bytes[..<consumed]` is written; the line `line` starts at `consumed`.
    private var consumed = 0
    private var line = 1
    /// Where the lines after it start: line `line + 1 + i - head` at `starts[i]`.
    private var starts: [Int] = []
    private var head = 0
    private var afterCR = false

    func append(_ block: UnsafeRawBufferPointer) {
        let base = bytes.count
        bytes.append(contentsOf: block)
        bytes.withUnsafeBufferPointer { all in
            for index in base..<all.count {
                let byte = all[index]
                if afterCR {
                    afterCR = false
                    if byte == 0x0A {
                        starts[starts.count - 1] = index + 1  // CRLF: one line end, after the LF
                        continue
                    }
                }
                if byte == 0x0A || byte == 0x0D {
                    starts.append(index + 1)
                    afterCR = byte == 0x0D
                }
            }
        }
    }

    /// Writes the lines before line `stop` (everything left, with `.max`) to `writers`.
    func write(before stop: Int, to writers: [PartWriter]) throws(TierwatchError) {
        let ahead = stop == .max ? starts.count - head : stop - line
        let end = stop == .max ? bytes.count : ahead <= 0 ? consumed : starts[min(head + ahead, starts.count) - 1]
        for writer in writers { try writer.write(bytes[consumed..<end]) }
        consumed = end
        if ahead > 0 {
            let skipped = min(ahead, starts.count - head)
            head += skipped
            line += skipped
        }
        // Drop what is written once it is most of the buffer.
        if consumed > 1 << 20 && consumed * 2 > bytes.count {
            bytes.removeFirst(consumed)
            starts.removeFirst(head)
            for index in starts.indices { starts[index] -= consumed }
            head = 0
            consumed = 0
        }
    }
}

/// One part being written: buffered, under a temporary name until ``commit()``.
final class PartWriter {
    private let path: String
    private let temporary: String
    private var fd: Int32
    private var buffer: [UInt8] = []

    init(path: String) throws(TierwatchError) {
        self.path = path
        // Hidden (a leading dot), so that the job's `*` never matches a part being written.
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        temporary = path[..<slash] + "." + path[slash...] + ".tmp-\(getpid())"
        fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TierwatchError(.ioError, "cannot create \(temporary): \(AtomicFile.errorText())") }
        buffer.reserveCapacity(1 << 18)
    }

    func write(_ bytes: ArraySlice<UInt8>) throws(TierwatchError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 18 { try flush() }
    }

    private func flush() throws(TierwatchError) {
        try AtomicFile.writeAll(fd, buffer, path: temporary)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is left and renames the part into place.
    func commit() throws(TierwatchError) {
        try flush()
        guard fsync(fd) == 0 else { throw TierwatchError(.ioError, "cannot write \(temporary): \(AtomicFile.errorText())") }
        close(fd)
        fd = -1
        guard rename(temporary, path) == 0 else { throw TierwatchError(.ioError, "cannot write \(path): \(AtomicFile.errorText())") }
    }

    /// Removes the temporary file of a part that was not committed.
    func abandon() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
        unlink(temporary)
    }
}
