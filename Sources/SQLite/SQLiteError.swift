import CSQLite3

/// A failed SQLite call: the extended result code, SQLite's message and the statement.
///
/// The bound values are deliberately not part of the error: they may hold
/// personal data, and errors end up in logs and cron mail (GRDB makes the same
/// choice). The SQL text is kept because statements are written by us, not by
/// users. See https://sqlite.org/rescode.html for the codes.
package struct SQLiteError: Error, CustomStringConvertible, Sendable {
    /// The extended result code, for example 2067 (`SQLITE_CONSTRAINT_UNIQUE`).
    package var code: Int32
    /// The text of `sqlite3_errmsg` at the time of the failure.
    package var message: String
    /// The statement that failed, if there was one; never its bound values.
    package var sql: String?

    /// Creates an error from its parts.
    ///
    /// Normally produced by ``SQLiteDatabase``; public to the package so tests
    /// and callers can build expected values.
    package init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// The primary result code: the low byte of the extended code.
    ///
    /// Extended codes refine a primary code (`SQLITE_CONSTRAINT_UNIQUE` is
    /// `SQLITE_CONSTRAINT | (8 << 8)`), so callers compare families with this.
    package var primaryCode: Int32 { code & 0xFF }

    /// Whether the database was busy or locked, so retrying later may succeed.
    ///
    /// True for the `SQLITE_BUSY` and `SQLITE_LOCKED` families, which a cron job
    /// should report as a temporary failure rather than a data problem.
    package var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }

    /// Whether a constraint (UNIQUE, NOT NULL, FOREIGN KEY, CHECK ...) was violated.
    package var isConstraintViolation: Bool { primaryCode == SQLITE_CONSTRAINT }

    /// A one-line description: code, its standard name, message and statement.
    package var description: String {
        var text = "SQLite error \(code) (\(String(cString: sqlite3_errstr(code)))): \(message)"
        if let sql {
            text += " [sql: \(sql)]"
        }
        return text
    }
}
