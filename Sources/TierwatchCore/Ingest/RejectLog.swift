/// Why one input row was rejected.
package struct RowProblem: Error, Sendable {
    /// The canonical column at fault, or nil for a structural problem.
    package var field: String?
    package var reason: String
    /// The offending value (subject ids are pseudonymised before they are written).
    package var value: String?

    package init(field: String?, reason: String, value: String? = nil) {
        self.field = field
        self.reason = reason
        self.value = value
    }
}

/// `rejected.csv`: every row that could not be read, with file, line and reason.
package final class RejectLog {
    package static let header = ["input", "file", "line", "field", "reason", "value"]
    private let writer: CSVWriter
    /// Rejected rows per input, and the first reasons (for error messages).
    package private(set) var counts: [InputKind: Int] = [:]
    package private(set) var examples: [InputKind: [String]] = [:]

    package init(path: String, mode: CSVMode = .spreadsheet) throws(TierwatchError) {
        writer = try CSVWriter(path: path, header: Self.header, mode: mode)
    }

    package func add(_ kind: InputKind, file: String, line: Int, problem: RowProblem) throws(TierwatchError) {
        counts[kind, default: 0] += 1
        if examples[kind, default: []].count < 3 {
            examples[kind, default: []].append("\(file) line \(line): \(problem.field.map { "\($0): " } ?? "")\(problem.reason)")
        }
        try writer.write([
            .plain(kind.rawValue), .text(file), .plain(String(line)), .plain(problem.field ?? ""),
            .text(problem.reason), .text(problem.value ?? ""),
        ])
    }

    package var total: Int { counts.values.reduce(0, +) }

    package func close() throws(TierwatchError) { try writer.close() }
}

/// Reads every file of one input: tokenizes, binds the header, hands each well-formed row
/// to `decode`, and logs every row that is malformed or that `decode` refuses.
package struct InputScanner {
    package let kind: InputKind
    package let spec: InputSpec
    package let rejects: RejectLog
    /// Rewrites a rejected value before it is logged (pseudonymises subject ids).
    package let redact: (String, String) -> String

    /// Reads `files`; `decode` returns the row's newest timestamp (or nil) or throws a
    /// `RowProblem`. Returns one manifest record per file.
    package func scan(
        _ files: [ResolvedFile], decode: (CSVRecord, ColumnBinding) throws(RowProblem) -> Int64?
    ) throws -> [InputFileRecord] {
        var records: [InputFileRecord] = []
        for file in files {
            let tokenizer = CSVTokenizer()
            var binding: ColumnBinding?
            var rows = 0, rejected = 0
            var newest: Int64?
            func handle(_ record: CSVRecord) throws {
                guard let bound = binding else {
                    if let problem = record.problem {
                        throw TierwatchError(.badData, "\(file.display) line \(record.line): the header cannot be read: \(problem.reason) at field \(problem.field)")
                    }
                    binding = try ColumnBinding(kind: kind, spec: spec, header: record, file: file.display)
                    return
                }
                rows += 1
                var problem: RowProblem?
                if let structural = record.problem {
                    problem = RowProblem(field: nil, reason: "\(structural.reason) at field \(structural.field)")
                } else if record.count != bound.fieldCount {
                    problem = RowProblem(field: nil, reason: "expected \(bound.fieldCount) fields, found \(record.count)")
                } else {
                    do throws(RowProblem) {
                        if let instant = try decode(record, bound), instant > (newest ?? .min) { newest = instant }
                    } catch {
                        problem = error
                    }
                }
                if var problem {
                    if let field = problem.field, let value = problem.value { problem.value = redact(field, value) }
                    rejected += 1
                    try rejects.add(kind, file: file.display, line: record.line, problem: problem)
                }
            }
            let (sha256, bytes): (String, Int64)
            do {
                (sha256, bytes) = try InputStream.read(file) { block in try tokenizer.feed(block, handle) }
                try tokenizer.finish(handle)
            } catch let error as TierwatchError where error.code == .badData && !error.message.hasPrefix(file.display) {
                throw TierwatchError(.badData, "\(file.display): \(error.message)")
            }
            if binding == nil {
                throw TierwatchError(.badData, "\(file.display): the file is empty; expected a header row")
            }
            records.append(
                InputFileRecord(path: file.display, sha256: sha256, bytes: bytes, rows: rows, rejected: rejected, newest: newest))
        }
        let rows = records.reduce(0) { $0 + $1.rows }
        let rejected = records.reduce(0) { $0 + $1.rejected }
        if rows > 0 && Double(rejected) > spec.maxRejectRate * Double(rows) {
            let examples = (rejects.examples[kind] ?? []).map { "\n  \($0)" }.joined()
            throw TierwatchError(
                .badData,
                "\(kind.rawValue): \(rejected) of \(rows) rows rejected (\(FixedPoint.ratio(Int64(rejected), Int64(rows), times: 100, scale: 2))%), above max_reject_rate \(FixedPoint.ratio(Int64((spec.maxRejectRate * 1_000_000).rounded()), 1_000_000, times: 100, scale: 2))%; first reasons:\(examples)")
        }
        return records
    }
}
