/// One SQLite value, in the five storage classes SQLite has.
///
/// See https://sqlite.org/datatype3.html
package enum SQLiteValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// One result row: column names and their values, in statement order.
///
/// Lookup is by column name, as written in the statement (use `AS` to name
/// expressions). When two columns share a name the first one wins.
package struct SQLiteRow: Sendable {
    /// The column names, in statement order.
    package let columns: [String]
    /// The values, parallel to ``columns``.
    package let values: [SQLiteValue]

    /// Creates a row from parallel arrays of names and values.
    package init(columns: [String], values: [SQLiteValue]) {
        precondition(columns.count == values.count, "a row needs one value per column")
        self.columns = columns
        self.values = values
    }

    /// The value of `column`, or `.null` when the row has no such column.
    ///
    /// A missing column reads as NULL so that optional accessors below stay
    /// simple; callers that must tell the two apart can check ``columns``.
    package subscript(_ column: String) -> SQLiteValue {
        guard let index = columns.firstIndex(of: column) else { return .null }
        return values[index]
    }

    /// The value of `column` when it is an integer, otherwise `nil`.
    package func integer(_ column: String) -> Int64? {
        if case .integer(let value) = self[column] { return value }
        return nil
    }

    /// The value of `column` when it is a real or an integer, otherwise `nil`.
    ///
    /// Integers convert because SQLite stores a REAL column's whole numbers as
    /// integers when that is exact, so `1.0` may come back as `.integer(1)`.
    package func real(_ column: String) -> Double? {
        switch self[column] {
        case .real(let value): return value
        case .integer(let value): return Double(value)
        default: return nil
        }
    }

    /// The value of `column` when it is text, otherwise `nil`.
    package func text(_ column: String) -> String? {
        if case .text(let value) = self[column] { return value }
        return nil
    }

    /// The value of `column` when it is a blob, otherwise `nil`.
    package func blob(_ column: String) -> [UInt8]? {
        if case .blob(let value) = self[column] { return value }
        return nil
    }
}
