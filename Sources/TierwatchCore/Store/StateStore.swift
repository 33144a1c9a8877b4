import SQLite

/// One recorded run, as `history` and `show` list it.
package struct RunRecord: Sendable {
    package var number: Int64
    package var runID: String
    package var jobID: String
    package var periodLabel: String
    package var periodStart: Int64
    package var periodEnd: Int64
    package var timeZone: String
    package var status: RunStatus
    package var exitCode: Int32?
    package var trigger: String
    package var startedAt: Int64
    package var finishedAt: Int64?
    package var message: String
    package var reportPath: String
    package var rowsRead: Int64
    package var rowsRejected: Int64
    package var violations: Int64
}

/// Per-tier figures of a run, kept so later reports can draw trends.
package struct TierFigureRecord: Sendable, Equatable {
    package var tier: String
    package var delivered, opens, clicks, conversions, holdouts, reach, engaged: Int64
    package var controlSubjects, treatedConverters, controlConverters: Int64
    package var revenueMicros: Int64?
    package var responses, csatResponses, csatSum, csatSatisfied, npsResponses, promoters, detractors: Int64
    package var intrusiveResponses, intrusiveYes: Int64
    package var uses, checkedUses, violatingUses, violatingCheckedUses, violations: Int64
}

/// The run history in one SQLite file: what ran, when, on which inputs, with what result.
package final class StateStore {
    let database: SQLiteDatabase
    package static let schemaVersion = 3

    package init(path: String) throws(TierwatchError) {
        try FileTree.makeParent(of: path)
        do {
            database = try SQLiteDatabase(.path(path))
            try migrate()
        } catch let error as TierwatchError {
            throw error
        } catch {
            throw TierwatchError(.ioError, "cannot open the state database \(path)", cause: error as? SQLiteError)
        }
    }

    private func migrate() throws {
        let version = try database.query("PRAGMA user_version").first?.integer("user_version") ?? 0
        if version > Int64(Self.schemaVersion) {
            throw TierwatchError(.ioError, "the state database has schema \(version), newer than this tool's \(Self.schemaVersion)")
        }
        if version < 1 { try migrateToVersion1() }
        if version < 2 { try migrateAlerts() }
        if version < 3 { try migrateMailOutbox() }
    }

    private func migrateToVersion1() throws {
        try database.transaction {
            try database.execute(
                """
                CREATE TABLE runs (
                  number INTEGER PRIMARY KEY,
                  run_id TEXT NOT NULL,
                  job_id TEXT NOT NULL,
                  period_label TEXT NOT NULL,
                  period_start INTEGER NOT NULL,
                  period_end INTEGER NOT NULL,
                  timezone TEXT NOT NULL,
                  status TEXT NOT NULL CHECK (status IN ('running','success','warn','fail','error')),
                  exit_code INTEGER,
                  trigger TEXT NOT NULL,
                  started_at INTEGER NOT NULL,
                  finished_at INTEGER,
                  message TEXT NOT NULL DEFAULT '',
                  report_path TEXT NOT NULL DEFAULT '',
                  rows_read INTEGER NOT NULL DEFAULT 0,
                  rows_rejected INTEGER NOT NULL DEFAULT 0,
                  violations INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX runs_by_job_period ON runs (job_id, period_label, number);
                CREATE TABLE run_inputs (
                  run_number INTEGER NOT NULL REFERENCES runs(number) ON DELETE CASCADE,
                  input TEXT NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL,
                  bytes INTEGER NOT NULL, rows INTEGER NOT NULL, rejected INTEGER NOT NULL, newest INTEGER
                );
                CREATE TABLE tier_figures (
                  run_number INTEGER NOT NULL REFERENCES runs(number) ON DELETE CASCADE,
                  tier TEXT NOT NULL,
                  delivered INTEGER, opens INTEGER, clicks INTEGER, conversions INTEGER, holdouts INTEGER,
                  reach INTEGER, engaged INTEGER, control_subjects INTEGER, treated_converters INTEGER,
                  control_converters INTEGER, revenue_micros INTEGER,
                  responses INTEGER, csat_responses INTEGER, csat_sum INTEGER, csat_satisfied INTEGER,
                  nps_responses INTEGER, promoters INTEGER, detractors INTEGER,
                  intrusive_responses INTEGER, intrusive_yes INTEGER,
                  uses INTEGER, checked_uses INTEGER, violating_uses INTEGER, violating_checked_uses INTEGER,
                  violations INTEGER,
                  PRIMARY KEY (run_number, tier)
                );
                CREATE TABLE rule_counts (
                  run_number INTEGER NOT NULL REFERENCES runs(number) ON DELETE CASCADE,
                  rule TEXT NOT NULL, tier TEXT NOT NULL, jurisdiction TEXT NOT NULL, violations INTEGER NOT NULL
                );
                CREATE TABLE generated (
                  run_id TEXT PRIMARY KEY,
                  first_generated_at INTEGER NOT NULL
                );
                PRAGMA user_version = 1;
                """)
        }
    }

    func run<T>(_ body: () throws -> T) throws(TierwatchError) -> T {
        do {
            return try body()
        } catch let error as TierwatchError {
            throw error
        } catch {
            throw TierwatchError(.ioError, "state database", cause: error as? SQLiteError)
        }
    }

    /// Marks runs of `jobID` left `running` by a killed process as errors.
    package func markInterrupted(jobID: String, at now: Int64) throws(TierwatchError) {
        try run {
            try database.run(
                "UPDATE runs SET status = 'error', exit_code = 70, finished_at = ?, message = 'interrupted: the process ended before the run finished' WHERE job_id = ? AND status = 'running'",
                [.integer(now), .text(jobID)])
        }
    }

    /// Records the start of a run and returns its number.
    package func begin(jobID: String, period: ReportPeriod, trigger: String, at now: Int64) throws(TierwatchError) -> Int64 {
        try run {
            try database.run(
                "INSERT INTO runs (run_id, job_id, period_label, period_start, period_end, timezone, status, trigger, started_at) VALUES ('', ?, ?, ?, ?, ?, 'running', ?, ?)",
                [.text(jobID), .text(period.label), .integer(period.start), .integer(period.end), .text(period.timeZoneIdentifier), .text(trigger), .integer(now)])
            return database.lastInsertRowID
        }
    }

    /// The first time a run with this id was generated; records `now` when it is new.
    ///
    /// Reports show this instant, so rerunning the same inputs rewrites identical bytes.
    package func firstGeneratedAt(runID: String, now: Int64) throws(TierwatchError) -> Int64 {
        try run {
            try database.run("INSERT OR IGNORE INTO generated (run_id, first_generated_at) VALUES (?, ?)", [.text(runID), .integer(now)])
            return try database.query("SELECT first_generated_at FROM generated WHERE run_id = ?", [.text(runID)]).first?
                .integer("first_generated_at") ?? now
        }
    }

    /// Records how a run ended, with its inputs and figures, in one transaction.
    package func finish(
        number: Int64, runID: String, status: RunStatus, exitCode: Int32, message: String, reportPath: String,
        at now: Int64, inputs: [(InputKind, InputFileRecord)], tiers: [TierFigureRecord],
        ruleCounts: [(rule: String, tier: String, jurisdiction: String, count: Int64)]
    ) throws(TierwatchError) {
        try run {
            try database.transaction {
                let rows = inputs.reduce(0) { $0 + $1.1.rows }
                let rejected = inputs.reduce(0) { $0 + $1.1.rejected }
                let violations = ruleCounts.reduce(0) { $0 + $1.count }
                try database.run(
                    "UPDATE runs SET run_id = ?, status = ?, exit_code = ?, finished_at = ?, message = ?, report_path = ?, rows_read = ?, rows_rejected = ?, violations = ? WHERE number = ?",
                    [.text(runID), .text(status.rawValue), .integer(Int64(exitCode)), .integer(now), .text(message), .text(reportPath),
                     .integer(Int64(rows)), .integer(Int64(rejected)), .integer(violations), .integer(number)])
                for (kind, file) in inputs {
                    try database.run(
                        "INSERT INTO run_inputs (run_number, input, path, sha256, bytes, rows, rejected, newest) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [.integer(number), .text(kind.rawValue), .text(file.path), .text(file.sha256), .integer(file.bytes),
                         .integer(Int64(file.rows)), .integer(Int64(file.rejected)), file.newest.map { .integer($0) } ?? .null])
                }
                for t in tiers {
                    let values: [SQLiteValue] = [
                        .integer(number), .text(t.tier), .integer(t.delivered), .integer(t.opens), .integer(t.clicks),
                        .integer(t.conversions), .integer(t.holdouts), .integer(t.reach), .integer(t.engaged),
                        .integer(t.controlSubjects), .integer(t.treatedConverters), .integer(t.controlConverters),
                        t.revenueMicros.map { .integer($0) } ?? .null, .integer(t.responses), .integer(t.csatResponses),
                        .integer(t.csatSum), .integer(t.csatSatisfied), .integer(t.npsResponses), .integer(t.promoters),
                        .integer(t.detractors), .integer(t.intrusiveResponses), .integer(t.intrusiveYes), .integer(t.uses),
                        .integer(t.checkedUses), .integer(t.violatingUses), .integer(t.violatingCheckedUses), .integer(t.violations),
                    ]
                    try database.run(
                        "INSERT INTO tier_figures VALUES (\(Array(repeating: "?", count: values.count).joined(separator: ",")))", values)
                }
                for count in ruleCounts {
                    try database.run(
                        "INSERT INTO rule_counts (run_number, rule, tier, jurisdiction, violations) VALUES (?, ?, ?, ?, ?)",
                        [.integer(number), .text(count.rule), .text(count.tier), .text(count.jurisdiction), .integer(count.count)])
                }
            }
        }
    }

    private static let runColumns =
        "number, run_id, job_id, period_label, period_start, period_end, timezone, status, exit_code, trigger, started_at, finished_at, message, report_path, rows_read, rows_rejected, violations"

    private func record(_ row: SQLiteRow) -> RunRecord {
        RunRecord(
            number: row.integer("number") ?? 0, runID: row.text("run_id") ?? "", jobID: row.text("job_id") ?? "",
            periodLabel: row.text("period_label") ?? "", periodStart: row.integer("period_start") ?? 0,
            periodEnd: row.integer("period_end") ?? 0, timeZone: row.text("timezone") ?? "",
            status: RunStatus(rawValue: row.text("status") ?? "") ?? .error, exitCode: row.integer("exit_code").map { Int32($0) },
            trigger: row.text("trigger") ?? "", startedAt: row.integer("started_at") ?? 0, finishedAt: row.integer("finished_at"),
            message: row.text("message") ?? "", reportPath: row.text("report_path") ?? "",
            rowsRead: row.integer("rows_read") ?? 0, rowsRejected: row.integer("rows_rejected") ?? 0,
            violations: row.integer("violations") ?? 0)
    }

    /// Runs, newest first, optionally of one job.
    package func history(jobID: String?, limit: Int = 50) throws(TierwatchError) -> [RunRecord] {
        try run {
            let rows =
                if let jobID {
                    try database.query("SELECT \(Self.runColumns) FROM runs WHERE job_id = ? ORDER BY number DESC LIMIT ?", [.text(jobID), .integer(Int64(limit))])
                } else {
                    try database.query("SELECT \(Self.runColumns) FROM runs ORDER BY number DESC LIMIT ?", [.integer(Int64(limit))])
                }
            return rows.map(record)
        }
    }

    /// One run by number, or the latest run with that run id.
    package func find(_ reference: String) throws(TierwatchError) -> RunRecord? {
        try run {
            if let number = Int64(reference) {
                return try database.query("SELECT \(Self.runColumns) FROM runs WHERE number = ?", [.integer(number)]).first.map(record)
            }
            return try database.query("SELECT \(Self.runColumns) FROM runs WHERE run_id = ? ORDER BY number DESC LIMIT 1", [.text(reference)])
                .first.map(record)
        }
    }

    /// The latest run of a job for one period label.
    package func latest(jobID: String, periodLabel: String) throws(TierwatchError) -> RunRecord? {
        try run {
            try database.query(
                "SELECT \(Self.runColumns) FROM runs WHERE job_id = ? AND period_label = ? ORDER BY number DESC LIMIT 1",
                [.text(jobID), .text(periodLabel)]
            ).first.map(record)
        }
    }

    /// The latest finished (not errored) run of a job for one period label.
    package func latestCompleted(jobID: String, periodLabel: String) throws(TierwatchError) -> RunRecord? {
        try run {
            try database.query(
                "SELECT \(Self.runColumns) FROM runs WHERE job_id = ? AND period_label = ? AND status IN ('success','warn','fail') ORDER BY number DESC LIMIT 1",
                [.text(jobID), .text(periodLabel)]
            ).first.map(record)
        }
    }

    /// The per-tier figures of a run.
    package func tierFigures(run number: Int64) throws(TierwatchError) -> [TierFigureRecord] {
        try run {
            try database.query("SELECT * FROM tier_figures WHERE run_number = ? ORDER BY rowid", [.integer(number)]).map { r in
                let i = { (name: String) in r.integer(name) ?? 0 }
                return TierFigureRecord(
                    tier: r.text("tier") ?? "", delivered: i("delivered"), opens: i("opens"), clicks: i("clicks"),
                    conversions: i("conversions"), holdouts: i("holdouts"), reach: i("reach"), engaged: i("engaged"),
                    controlSubjects: i("control_subjects"), treatedConverters: i("treated_converters"),
                    controlConverters: i("control_converters"), revenueMicros: r.integer("revenue_micros"),
                    responses: i("responses"), csatResponses: i("csat_responses"), csatSum: i("csat_sum"),
                    csatSatisfied: i("csat_satisfied"), npsResponses: i("nps_responses"), promoters: i("promoters"),
                    detractors: i("detractors"), intrusiveResponses: i("intrusive_responses"), intrusiveYes: i("intrusive_yes"),
                    uses: i("uses"), checkedUses: i("checked_uses"), violatingUses: i("violating_uses"),
                    violatingCheckedUses: i("violating_checked_uses"), violations: i("violations"))
            }
        }
    }
    /// The figures of earlier periods of a job, newest first, for trends: for each period
    /// that ended at or before `before`, the latest completed run, its label shaped like
    /// `sameShapeAs` (a weekly job's trend never mixes in a one-off range).
    ///
    /// Only earlier periods count, never the run being written, so rerunning a period
    /// rewrites the same report.
    package func periodHistory(jobID: String, before: Int64, sameShapeAs label: String, limit: Int) throws(TierwatchError) -> [PeriodFigures] {
        let shape = Self.labelShape(label)
        let runs = try run {
            try database.query(
                """
                SELECT number, period_label, period_start, period_end FROM runs AS r
                WHERE job_id = ? AND period_end <= ? AND status IN ('success','warn','fail')
                  AND number = (SELECT MAX(number) FROM runs WHERE job_id = r.job_id AND period_label = r.period_label
                                AND status IN ('success','warn','fail'))
                ORDER BY period_start DESC
                """, [.text(jobID), .integer(before)])
        }
        var result: [PeriodFigures] = []
        for row in runs where Self.labelShape(row.text("period_label") ?? "") == shape {
            guard result.count < limit else { break }
            result.append(
                PeriodFigures(
                    label: row.text("period_label") ?? "", start: row.integer("period_start") ?? 0,
                    end: row.integer("period_end") ?? 0, tiers: try tierFigures(run: row.integer("number") ?? 0)))
        }
        return result
    }

    /// Digits become 9: "2026-W46" and "2025-W01" share a shape, "2026-11-16" does not.
    private static func labelShape(_ label: String) -> String {
        String(label.map { $0.isNumber ? "9" : $0 })
    }
}

/// The stored per-tier figures of one earlier period.
package struct PeriodFigures: Sendable {
    package var label: String
    package var start: Int64
    package var end: Int64
    /// The five tiers, then `all`.
    package var tiers: [TierFigureRecord]
}
