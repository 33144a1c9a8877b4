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
