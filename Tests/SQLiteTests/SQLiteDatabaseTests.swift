import Foundation
import SQLite
import Testing

/// A fresh directory under the system temp dir, removed by `cleanUp`.
private struct TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("sqlite-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

private struct BodyFailure: Error, Equatable {}

@Suite("SQLiteDatabase")
struct SQLiteDatabaseTests {
    static let locations: [String] = ["memory", "file"]

    /// A database in memory or in a new file; `cleanUp` removes the file.
    ///
    /// Deliberately not a closure-taking helper: on Swift 6.3.1, a closure
    /// written after `#expect(throws:) { ... }` inside another closure can be
    /// miscompiled into a call of the `#expect` closure.
    private func openDatabase(_ kind: String) throws -> (db: SQLiteDatabase, path: String?, cleanUp: () -> Void) {
        if kind == "memory" {
            return (try SQLiteDatabase(.memory), nil, {})
        }
        let directory = try TemporaryDirectory()
        let path = directory.path + "/test.sqlite"
        return (try SQLiteDatabase(.path(path)), path, directory.cleanUp)
    }

    @Test("every value type survives an insert and query round trip", arguments: locations)
    func roundTrip(kind: String) throws {
        let (db, _, cleanUp) = try openDatabase(kind)
        defer { cleanUp() }
        do {
            try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n, i, r, s, b, e, z)")
            let values: [SQLiteValue] = [
                .null, .integer(Int64.min), .real(-1.5e300), .text("grüße \u{0}nul"), .blob([0, 1, 255]),
                .text(""), .blob([]),
            ]
            try db.run("INSERT INTO t (n, i, r, s, b, e, z) VALUES (?, ?, ?, ?, ?, ?, ?)", values)
            #expect(db.lastInsertRowID == 1)
            let rows = try db.query("SELECT n, i, r, s, b, e, z FROM t")
            try #require(rows.count == 1)
            let row = rows[0]
            #expect(row.columns == ["n", "i", "r", "s", "b", "e", "z"])
            #expect(row.values == values)
            #expect(row.integer("i") == Int64.min)
            #expect(row.real("r") == -1.5e300)
            #expect(row.real("i") == Double(Int64.min))
            #expect(row.text("s") == "grüße \u{0}nul")
            #expect(row.blob("b") == [0, 1, 255])
            #expect(row["missing"] == .null)
            #expect(row.text("i") == nil)
        }
    }

    @Test("positional bindings select the matching rows", arguments: locations)
    func positionalBindings(kind: String) throws {
        let (db, _, cleanUp) = try openDatabase(kind)
        defer { cleanUp() }
        do {
            try db.execute("CREATE TABLE people (name TEXT, age INTEGER)")
            for (name, age) in [("ada", 36), ("bob", 17), ("cy", 52)] {
                try db.run("INSERT INTO people VALUES (?, ?)", [.text(name), .integer(Int64(age))])
            }
            let rows = try db.query(
                "SELECT name FROM people WHERE age >= ? AND name <> ? ORDER BY name",
                [.integer(18), .text("cy")]
            )
            #expect(rows.map { $0.text("name") } == ["ada"])
        }
    }

    @Test("a syntax error reports code and SQL but never the bound values")
    func syntaxErrorHidesBindings() throws {
        let db = try SQLiteDatabase(.memory)
        let sql = "SELEC name FROM nowhere WHERE email = ?"
        let error = try #require(throws: SQLiteError.self) {
            try db.query(sql, [.text("alice@example.com")])
        }
        #expect(error.code == 1)  // SQLITE_ERROR
        #expect(error.sql == sql)
        #expect(error.message.contains("syntax error"))
        #expect(!error.description.contains("alice@example.com"))
        #expect(error.description.contains(sql))
    }

    @Test("a failing step hides the bound values too")
    func stepErrorHidesBindings() throws {
        let db = try SQLiteDatabase(.memory)
        try db.execute("CREATE TABLE users (email TEXT NOT NULL UNIQUE)")
        try db.run("INSERT INTO users VALUES (?)", [.text("alice@example.com")])
        let error = try #require(throws: SQLiteError.self) {
            try db.run("INSERT INTO users VALUES (?)", [.text("alice@example.com")])
        }
        #expect(error.code == 2067)  // SQLITE_CONSTRAINT_UNIQUE
        #expect(error.isConstraintViolation)
        #expect(!error.isBusy)
        #expect(!error.description.contains("alice@example.com"))
    }

    @Test("constraint violations carry their extended result codes", arguments: [
        ("INSERT INTO child VALUES (1, NULL)", Int32(1299)),  // SQLITE_CONSTRAINT_NOTNULL
        ("INSERT INTO child VALUES (2, 99)", Int32(787)),  // SQLITE_CONSTRAINT_FOREIGNKEY
        ("INSERT INTO child VALUES (1, 1)", Int32(1555)),  // SQLITE_CONSTRAINT_PRIMARYKEY
        ("INSERT INTO child VALUES (3, -1)", Int32(275)),  // SQLITE_CONSTRAINT_CHECK
    ])
    func constraintCodes(sql: String, code: Int32) throws {
        let db = try SQLiteDatabase(.memory)
        try db.execute("""
            CREATE TABLE parent (id INTEGER PRIMARY KEY);
            CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER NOT NULL REFERENCES parent(id) CHECK (parent <> -1));
            INSERT INTO parent VALUES (1), (-1);
            INSERT INTO child VALUES (1, 1);
            """)
        let error = try #require(throws: SQLiteError.self) { try db.run(sql) }
        #expect(error.code == code)
        #expect(error.isConstraintViolation)
    }

    @Test("a transaction commits the body's work and returns its value", arguments: locations)
    func transactionCommits(kind: String) throws {
        let (db, _, cleanUp) = try openDatabase(kind)
        defer { cleanUp() }
        do {
            try db.execute("CREATE TABLE t (x INTEGER)")
            let inserted = try db.transaction {
                try db.run("INSERT INTO t VALUES (1)")
                try db.run("INSERT INTO t VALUES (2)")
                return 2
            }
            #expect(inserted == 2)
            #expect(try db.query("SELECT count(*) AS n FROM t")[0].integer("n") == 2)
        }
    }

    @Test("a transaction rolls back when the body throws and rethrows that error", arguments: locations)
    func transactionRollsBack(kind: String) throws {
        let (db, _, cleanUp) = try openDatabase(kind)
        defer { cleanUp() }
        do {
            try db.execute("CREATE TABLE t (x INTEGER)")
            #expect(throws: BodyFailure.self) {
                try db.transaction {
                    try db.run("INSERT INTO t VALUES (1)")
                    throw BodyFailure()
                }
            }
            #expect(try db.query("SELECT count(*) AS n FROM t")[0].integer("n") == 0)
            // The connection is usable again: no transaction was left open.
            try db.transaction { try db.run("INSERT INTO t VALUES (3)") }
            #expect(try db.query("SELECT x FROM t")[0].integer("x") == 3)
        }
    }

    @Test("a second connection to the file sees committed data in WAL mode")
    func secondConnectionSeesCommits() throws {
        let (writer, path, cleanUp) = try openDatabase("file")
        defer { cleanUp() }
        do {
            let path = try #require(path)
            try writer.execute("CREATE TABLE t (x TEXT)")
            let reader = try SQLiteDatabase(.path(path))
            try writer.transaction { try writer.run("INSERT INTO t VALUES (?)", [.text("visible")]) }
            #expect(try reader.query("SELECT x FROM t").map { $0.text("x") } == ["visible"])
            #expect(try reader.query("PRAGMA journal_mode")[0].text("journal_mode") == "wal")
            #expect(try reader.query("PRAGMA foreign_keys")[0].integer("foreign_keys") == 1)
            #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        }
    }

    @Test("a second writer waiting on an open transaction is reported busy")
    func busyWriter() throws {
        let (first, path, cleanUp) = try openDatabase("file")
        defer { cleanUp() }
        do {
            let second = try SQLiteDatabase(.path(try #require(path)))
            try second.execute("PRAGMA busy_timeout = 0")
            try first.execute("CREATE TABLE t (x)")
            try first.execute("BEGIN IMMEDIATE")
            defer { try? first.execute("ROLLBACK") }
            let error = try #require(throws: SQLiteError.self) { try second.execute("BEGIN IMMEDIATE") }
            #expect(error.isBusy)
        }
    }

    @Test("a binding count that differs from the parameters is an error", arguments: [0, 2])
    func bindingCountMismatch(count: Int) throws {
        let db = try SQLiteDatabase(.memory)
        let bindings = [SQLiteValue](repeating: .integer(1), count: count)
        let error = try #require(throws: SQLiteError.self) { try db.query("SELECT ?", bindings) }
        #expect(error.code == 25)  // SQLITE_RANGE
    }

    @Test("run and query refuse a second statement that would silently not run")
    func refusesTrailingStatements() throws {
        let db = try SQLiteDatabase(.memory)
        try db.execute("CREATE TABLE t (x)")
        #expect(throws: SQLiteError.self) { try db.run("INSERT INTO t VALUES (1); DROP TABLE t") }
        try db.run("INSERT INTO t VALUES (1);  -- trailing comment is fine\n")
        #expect(try db.query("SELECT x FROM t").count == 1)
    }

    @Test("opening a path in a missing directory fails with SQLITE_CANTOPEN")
    func cannotOpen() throws {
        let error = try #require(throws: SQLiteError.self) {
            try SQLiteDatabase(.path("/nonexistent-dir-\(UUID().uuidString)/db.sqlite"))
        }
        #expect(error.code & 0xFF == 14)
    }

    @Test("the library version is a dotted number")
    func libraryVersion() {
        #expect(SQLiteDatabase.libraryVersion.hasPrefix("3."))
    }
}
