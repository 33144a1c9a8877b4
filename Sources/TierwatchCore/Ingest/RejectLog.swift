/// Why one input row was rejected.
package struct RowProblem: Error, Sendable {
    /// The canonical column at fault, or nil for a structural problem.
    package var field: String?
    package var reason: String
    /// The offending value (subject ids are pseudonymised before they are written).
    package var value: String?
    /// Set when a consent signal was refused: why, so the compliance report can count
    /// refused signals per column and reason (a CMP emitting them is itself a finding).
    package var signalRejection: SignalRejection.Reason?

    package init(field: String?, reason: String, value: String? = nil, signalRejection: SignalRejection.Reason? = nil) {
        self.field = field
        self.reason = reason
        self.value = value
        self.signalRejection = signalRejection
    }
}

/// A refused consent signal's column and reason: the key the compliance report counts by.
package struct RefusedSignal: Hashable, Sendable, Comparable {
    /// The consents column (`tc_string`, `gpp_string`, `us_privacy`, `gpc`).
    package var column: String
    package var reason: SignalRejection.Reason

    package static func < (a: RefusedSignal, b: RefusedSignal) -> Bool {
        (a.column, a.reason.rawValue) < (b.column, b.reason.rawValue)
    }
}

/// `rejected.csv`: every row that could not be read, with file, line and reason.
package final class RejectLog {
    package static let header = CSVTable.rejected.header
    private let writer: CSVWriter
    /// Rejected rows per input, and the first reasons (for error messages).
    package private(set) var counts: [InputKind: Int] = [:]
    package private(set) var examples: [InputKind: [String]] = [:]
    /// Rows whose consent signal was refused, per column and reason.
    package private(set) var refusedSignals: [RefusedSignal: Int] = [:]

    /// In a sharded run, this shard's index: every shard reads the inputs that are not split
    /// in parts, and shard 0 alone counts and writes their rejected rows; the rows of a
    /// shard's own parts are that shard's. Then each row's input position is kept too
    /// (``positions``), so that `tierwatch merge` interleaves the shards' rows in input order.
    package var shardIndex: Int?
    /// Per written row: `kind << 60 | file order << 40 | line`, and where the row ends.
    package private(set) var positions: [Int64] = []
    package private(set) var rowEnds: [Int64] = []

    package init(path: String, mode: CSVMode = .spreadsheet) throws(TierwatchError) {
        writer = try CSVWriter(path: path, header: Self.header, mode: mode)
    }

    package func add(_ kind: InputKind, file: ResolvedFile, line: Int, problem: RowProblem) throws(TierwatchError) {
        if examples[kind, default: []].count < 3 {
            examples[kind, default: []].append("\(file.display) line \(line): \(problem.field.map { "\($0): " } ?? "")\(problem.reason)")
        }
        if let shardIndex, shardIndex != 0 && file.shard == nil { return }
        counts[kind, default: 0] += 1
        if let reason = problem.signalRejection, let field = problem.field {
            refusedSignals[RefusedSignal(column: field, reason: reason), default: 0] += 1
        }
        try writer.write([
            .plain(kind.rawValue), .text(file.display), .plain(String(line)), .plain(problem.field ?? ""),
            .text(problem.reason), .text(problem.value ?? ""),
        ])
        if shardIndex != nil {
            positions.append(Int64(InputKind.readingOrder.firstIndex(of: kind)!) << 60 | Int64(file.order) << 40 | Int64(line))
            rowEnds.append(writer.position)
        }
    }

    package var total: Int { counts.values.reduce(0, +) }

    package func close() throws(TierwatchError) { try writer.close() }
}
