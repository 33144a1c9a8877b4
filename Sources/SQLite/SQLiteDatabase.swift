import CSQLite3
import Synchronization

/// One SQLite connection, safe to share between threads.
///
/// The `sqlite3*` handle lives in a `Mutex` (as in SwiftPM's `Basics/SQLite.swift`):
/// every call into SQLite happens under the lock, so the connection is opened
/// with `SQLITE_OPEN_NOMUTEX` and SQLite's own locking is not paid twice.
/// The handle is closed in `deinit`.
///
/// Each call prepares, runs and finalizes its statement. That costs a prepare
/// per call, which is negligible for a batch job and means no statement can
/// outlive the connection or leak between threads.
///
/// See https://sqlite.org/cintro.html
package final class SQLiteDatabase: Sendable {
    /// Where the database lives.
    package enum Location: Sendable {
        /// A private in-memory database, gone when the connection closes (for tests).
        case memory
        /// A database file; created when missing.
        case path(String)
    }

    private let handle: Mutex<OpaquePointer>

    /// Opens (creating when missing) the database at `location` and configures it.
    ///
    /// The connection gets a 10 s busy timeout (a second cron run waits for the
    /// first instead of failing at once), extended result codes, foreign key
    /// enforcement and `synchronous=NORMAL`. Files additionally switch to WAL
    /// journaling so readers do not block the writer; with WAL, `NORMAL` is
    /// durable up to the last checkpointed commit, which suits a re-runnable
    /// batch job. See https://sqlite.org/wal.html and
    /// https://sqlite.org/pragma.html#pragma_synchronous
    package init(_ location: Location) throws(SQLiteError) {
        let path: String
        switch location {
        case .memory: path = ":memory:"
        case .path(let filePath): path = filePath
        }
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard let db else {
            // Only an allocation failure leaves no handle to ask for a message.
            throw SQLiteError(code: rc, message: String(cString: sqlite3_errstr(rc)))
        }
        do {
            try Self.check(rc, db, sql: nil)
            sqlite3_extended_result_codes(db, 1)
            try Self.check(sqlite3_busy_timeout(db, 10_000), db, sql: nil)
            if case .path = location {
                try Self.exec(db, "PRAGMA journal_mode=WAL")
            }
            try Self.exec(db, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL")
        } catch {
            // sqlite3_open_v2 allocates a handle even on failure; it must be closed.
            sqlite3_close_v2(db)
            throw error
        }
        handle = Mutex(db)
    }

    deinit {
        handle.withLock { db in
            // close_v2 defers the close until outstanding statements are
            // finalized; we never keep any, so this closes now.
            _ = sqlite3_close_v2(db)
        }
    }

    /// Runs one or more `;`-separated statements without bindings, ignoring rows.
    ///
    /// Meant for schema scripts and pragmas. Uses `sqlite3_exec`:
    /// https://sqlite.org/c3ref/exec.html
    package func execute(_ sql: String) throws(SQLiteError) {
        try handle.withLock { (db) throws(SQLiteError) in
            try Self.exec(db, sql)
        }
    }

    /// Runs exactly one statement with positional (`?`) bindings, ignoring any rows.
    ///
    /// Throws when the number of bindings differs from the statement's
    /// parameters (SQLite would silently bind the missing ones as NULL), or when
    /// `sql` holds more than one statement (the rest would silently not run).
    package func run(_ sql: String, _ bindings: [SQLiteValue] = []) throws(SQLiteError) {
        try handle.withLock { (db) throws(SQLiteError) in
            _ = try Self.step(db, sql, bindings, collectRows: false)
        }
    }

    /// Runs exactly one statement with positional (`?`) bindings and returns all its rows.
    ///
    /// The same checks as ``run(_:_:)`` apply. Rows are materialized, so use
    /// `LIMIT` or paging for large results.
    package func query(_ sql: String, _ bindings: [SQLiteValue] = []) throws(SQLiteError) -> [SQLiteRow] {
        try handle.withLock { (db) throws(SQLiteError) -> [SQLiteRow] in
            try Self.step(db, sql, bindings, collectRows: true)
        }
    }

    /// Runs `body` inside `BEGIN IMMEDIATE` ... `COMMIT`, rolling back when anything throws.
    ///
    /// `IMMEDIATE` takes the write lock up front, so a concurrent writer waits
    /// for the busy timeout at `BEGIN` instead of failing half-way through.
    /// When `body` throws, the transaction is rolled back and the body's error
    /// is rethrown; an error from the rollback itself is dropped (the first
    /// error wins, as in GRDB). A failed `COMMIT` is rolled back and rethrown.
    ///
    /// Transactions do not nest (`BEGIN` inside `body` fails). The lock is not
    /// held while `body` runs, so `body` can use this connection; other threads
    /// sharing the connection would join the transaction, so a writer thread
    /// should own its connection.
    package func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        let result: T
        do {
            result = try body()
            try execute("COMMIT")
        } catch {
            rollbackIfActive()
            throw error
        }
        return result
    }

    /// The rowid of the most recent successful `INSERT` on this connection.
    ///
    /// See https://sqlite.org/c3ref/last_insert_rowid.html
    package var lastInsertRowID: Int64 {
        handle.withLock { db in sqlite3_last_insert_rowid(db) }
    }

    /// The SQLite library version in use, for example `3.40.1`.
    ///
    /// See https://sqlite.org/c3ref/libversion.html
    package static var libraryVersion: String {
        String(cString: sqlite3_libversion())
    }

    // MARK: - Internals (all called with the lock held)

    private func rollbackIfActive() {
        handle.withLock { db in
            // Some errors (SQLITE_FULL, SQLITE_IOERR ...) already roll back;
            // autocommit mode then means there is nothing left to undo.
            if sqlite3_get_autocommit(db) == 0 {
                _ = sqlite3_exec(db, "ROLLBACK", nil, nil, nil)
            }
        }
    }

    /// The one place a return code is compared with `SQLITE_OK`.
    private static func check(_ rc: Int32, _ db: OpaquePointer, sql: String?) throws(SQLiteError) {
        guard rc != SQLITE_OK else { return }
        throw lastError(db, sql: sql)
    }

    private static func lastError(_ db: OpaquePointer, sql: String?) -> SQLiteError {
        SQLiteError(
            code: sqlite3_extended_errcode(db),
            message: String(cString: sqlite3_errmsg(db)),
            sql: sql
        )
    }

    private static func exec(_ db: OpaquePointer, _ sql: String) throws(SQLiteError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &errorMessage)
        // sqlite3_errmsg carries the same text; the copy must still be freed.
        sqlite3_free(errorMessage)
        try check(rc, db, sql: sql)
    }

    private static func step(
        _ db: OpaquePointer,
        _ sql: String,
        _ bindings: [SQLiteValue],
        collectRows: Bool
    ) throws(SQLiteError) -> [SQLiteRow] {
        let statement = try prepare(db, sql)
        defer { sqlite3_finalize(statement) }
        try bind(bindings, to: statement, db, sql: sql)

        var rows: [SQLiteRow] = []
        var columns: [String] = []
        let columnCount = sqlite3_column_count(statement)
        if collectRows {
            columns = (0..<columnCount).map { index in
                sqlite3_column_name(statement, index).map { String(cString: $0) } ?? ""
            }
        }
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { return rows }
            guard rc == SQLITE_ROW else { throw lastError(db, sql: sql) }
            if collectRows {
                let values = (0..<columnCount).map { column(statement, $0) }
                rows.append(SQLiteRow(columns: columns, values: values))
            }
        }
    }

    /// Prepares the single statement in `sql`, rejecting empty input and trailing statements.
    private static func prepare(_ db: OpaquePointer, _ sql: String) throws(SQLiteError) -> OpaquePointer {
        // The tail pointer points into the C string, so everything that reads it
        // happens inside withCString; errors are carried out as values because
        // withCString only rethrows untyped errors.
        let outcome: Result<OpaquePointer, SQLiteError> = sql.withCString { text in
            var statement: OpaquePointer?
            var tail: UnsafePointer<CChar>?
            let rc = sqlite3_prepare_v2(db, text, -1, &statement, &tail)
            guard rc == SQLITE_OK else { return .failure(lastError(db, sql: sql)) }
            guard let statement else {
                return .failure(SQLiteError(code: SQLITE_MISUSE, message: "no SQL statement", sql: sql))
            }
            if let tail, tail.pointee != 0 {
                var extra: OpaquePointer?
                let extraRC = sqlite3_prepare_v2(db, tail, -1, &extra, nil)
                sqlite3_finalize(extra)
                // Only whitespace and comments may follow; anything else would
                // silently not run.
                if extraRC != SQLITE_OK || extra != nil {
                    sqlite3_finalize(statement)
                    return .failure(SQLiteError(
                        code: SQLITE_MISUSE,
                        message: "more than one SQL statement; use execute(_:) for scripts",
                        sql: sql
                    ))
                }
            }
            return .success(statement)
        }
        return try outcome.get()
    }

    private static func bind(
        _ bindings: [SQLiteValue],
        to statement: OpaquePointer,
        _ db: OpaquePointer,
        sql: String
    ) throws(SQLiteError) {
        let expected = Int(sqlite3_bind_parameter_count(statement))
        guard expected == bindings.count else {
            throw SQLiteError(
                code: SQLITE_RANGE,
                message: "statement has \(expected) parameters but \(bindings.count) values were bound",
                sql: sql
            )
        }
        for (offset, value) in bindings.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value {
            case .null:
                rc = sqlite3_bind_null(statement, index)
            case .integer(let integer):
                rc = sqlite3_bind_int64(statement, index, integer)
            case .real(let real):
                rc = sqlite3_bind_double(statement, index, real)
            case .text(let text):
                var text = text
                rc = text.withUTF8 { utf8 in
                    tw_sqlite3_bind_text_transient(
                        statement, index,
                        UnsafeRawPointer(utf8.baseAddress)?.assumingMemoryBound(to: CChar.self),
                        sqlite3_uint64(utf8.count)
                    )
                }
            case .blob(let bytes):
                rc = bytes.withUnsafeBytes { raw in
                    tw_sqlite3_bind_blob_transient(statement, index, raw.baseAddress, sqlite3_uint64(raw.count))
                }
            }
            try check(rc, db, sql: sql)
        }
    }

    private static func column(_ statement: OpaquePointer, _ index: Int32) -> SQLiteValue {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(statement, index))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(statement, index))
        case SQLITE_TEXT:
            // Read the pointer before the length: column_bytes may convert
            // encodings, and the documented safe order is text then bytes.
            let text = sqlite3_column_text(statement, index)
            let count = Int(sqlite3_column_bytes(statement, index))
            guard let text else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let bytes = sqlite3_column_blob(statement, index)
            let count = Int(sqlite3_column_bytes(statement, index))
            // A zero-length blob comes back as a NULL pointer.
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: bytes == nil ? 0 : count)))
        default:
            return .null
        }
    }
}
