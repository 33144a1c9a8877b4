/// Reading canonical values of one row, with the reason to reject it when a value is wrong.
extension ColumnBinding {
    /// The bytes of a column that must not be empty.
    @inline(__always)
    package func required(_ column: Int, _ record: CSVRecord) throws(RowProblem) -> UnsafeRawBufferPointer {
        let value = value(column, record)
        if value.count == 0 {
            throw RowProblem(field: kind.columns[column].name, reason: "is empty; a value is required")
        }
        return value
    }

    /// An ISO-8601 instant in epoch seconds; nil only when `optional` and empty.
    @inline(__always)
    package func instant(_ column: Int, _ record: CSVRecord, optional: Bool = false) throws(RowProblem) -> Int64? {
        let value = value(column, record)
        if optional && FieldParsers.trimmed(value).count == 0 { return nil }
        guard let instant = FieldParsers.instant(value, cache: dateCache) else {
            throw RowProblem(
                field: kind.columns[column].name,
                reason: value.count == 0 ? "is empty; expected an ISO-8601 timestamp with Z or an offset"
                    : "expected an ISO-8601 timestamp with Z or an offset, e.g. 2026-11-16T09:30:00Z",
                value: String(decoding: value, as: UTF8.self))
        }
        return instant
    }

    /// The id of a vocabulary value (`table` is only looked up, never extended). A rejected
    /// value's reason lists the table's values: the hot path then passes no closure, whose
    /// captures would be retained and released per row.
    @inline(__always)
    package func symbol(_ table: ByteInterner, _ column: Int, _ record: CSVRecord) throws(RowProblem) -> Int32 {
        let value = value(column, record)
        if let id = table.lookup(value) ?? table.lookup(FieldParsers.trimmed(value)) { return id }
        throw unknownSymbol(table, column, value)
    }

    private func unknownSymbol(_ table: ByteInterner, _ column: Int, _ value: UnsafeRawBufferPointer) -> RowProblem {
        let expected = (0..<Int32(table.count)).map { table.string($0) }.joined(separator: ", ")
        if FieldParsers.trimmed(value).count == 0 {
            return RowProblem(field: kind.columns[column].name, reason: "is empty; expected one of \(expected)")
        }
        return RowProblem(
            field: kind.columns[column].name, reason: "expected one of \(expected)", value: String(decoding: value, as: UTF8.self))
    }
}
