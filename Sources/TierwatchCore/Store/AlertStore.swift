import Digests
import SQLite

/// One alert episode: from the first run that found the condition to its resolution.
package struct AlertRecord: Sendable {
    package var id: Int64
    package var fingerprint: String
    package var jobID: String
    package var rule: String
    package var labels: [String: String]
    package var severity: AlertSeverity
    package var summary: String
    package var figures: [(String, String)]
    package var links: AlertLinks
    /// `firing` or `resolved`.
    package var status: String
    /// When the condition was first detected (the GDPR Art. 33 clock starts here).
    package var startedAt: Int64
    package var lastSeenAt: Int64
    package var lastPeriodEnd: Int64
    /// When a firing notification was last queued; nil while none has been (silenced).
    package var lastNotifiedAt: Int64?
    package var missingRuns: Int
    package var lastMissingPeriod: String
    package var resolvedAt: Int64?
    package var ackedBy: String?
    package var ackedReason: String?
    package var ackedAt: Int64?
}

/// A silence: alerts whose labels match every matcher send nothing until `until`.
package struct SilenceRecord: Sendable {
    package var id: Int64
    package var matchers: [String: String]
    package var until: Int64
    package var createdAt: Int64
    package var createdBy: String
    package var reason: String

    package func matches(_ labels: [String: String]) -> Bool {
        matchers.allSatisfy { labels[$0.key] == $0.value }
    }
}

/// One notification in the outbox: written before the first attempt, kept after the last.
package struct OutboxRecord: Sendable {
    package var id: Int64
    /// The Standard Webhooks `webhook-id`: the same on every attempt and replay.
    package var webhookID: String
    package var jobID: String
    package var receiver: String
    package var kind: ReceiverKind
    package var url: String?
    package var urlEnvironment: String?
    package var secretEnvironment: String?
    package var allowInsecure: Bool
    package var timeoutSeconds: Int
    /// The payload, exactly as sent (PagerDuty's routing key is added at send time).
    package var body: String
    package var summary: String
    package var createdAt: Int64
    package var nextAttemptAt: Int64
    package var attempts: Int
    /// `pending`, `delivered`, `failed` (attempts exhausted or a permanent error) or
    /// `disabled` (the receiver answered 410 Gone).
    package var status: String
    package var lastStatus: Int?
    package var lastError: String
    package var deliveredAt: Int64?
    /// Kind-specific settings as JSON (mail: envelope, credential variable names, TLS).
    package var options: String = ""
}

/// The alert tables of the state database (schema version 2).
extension StateStore {
    func migrateAlerts() throws {
        try database.transaction {
            try database.execute(
                """
                CREATE TABLE alerts (
                  id INTEGER PRIMARY KEY,
                  fingerprint TEXT NOT NULL,
                  job_id TEXT NOT NULL,
                  rule TEXT NOT NULL,
                  labels TEXT NOT NULL,
                  severity TEXT NOT NULL,
                  summary TEXT NOT NULL,
                  figures TEXT NOT NULL,
                  compliance_link TEXT NOT NULL,
                  evidence_link TEXT NOT NULL,
                  status TEXT NOT NULL CHECK (status IN ('firing','resolved')),
                  started_at INTEGER NOT NULL,
                  last_seen_at INTEGER NOT NULL,
                  last_period_end INTEGER NOT NULL,
                  last_notified_at INTEGER,
                  missing_runs INTEGER NOT NULL DEFAULT 0,
                  last_missing_period TEXT NOT NULL DEFAULT '',
                  resolved_at INTEGER,
                  acked_by TEXT, acked_reason TEXT, acked_at INTEGER
                );
                CREATE UNIQUE INDEX alerts_one_firing ON alerts (fingerprint) WHERE status = 'firing';
                CREATE INDEX alerts_by_job ON alerts (job_id, status);
                CREATE TABLE alert_periods (
                  fingerprint TEXT NOT NULL, period_label TEXT NOT NULL, alert_id INTEGER NOT NULL REFERENCES alerts(id),
                  PRIMARY KEY (fingerprint, period_label)
                );
                CREATE TABLE silences (
                  id INTEGER PRIMARY KEY, matchers TEXT NOT NULL, until INTEGER NOT NULL, created_at INTEGER NOT NULL,
                  created_by TEXT NOT NULL, reason TEXT NOT NULL
                );
                CREATE TABLE outbox (
                  id INTEGER PRIMARY KEY,
                  webhook_id TEXT NOT NULL UNIQUE,
                  job_id TEXT NOT NULL,
                  receiver TEXT NOT NULL,
                  kind TEXT NOT NULL,
                  url TEXT, url_env TEXT, secret_env TEXT,
                  allow_insecure INTEGER NOT NULL,
                  timeout_seconds INTEGER NOT NULL,
                  body TEXT NOT NULL,
                  summary TEXT NOT NULL,
                  created_at INTEGER NOT NULL,
                  next_attempt_at INTEGER NOT NULL,
                  attempts INTEGER NOT NULL DEFAULT 0,
                  status TEXT NOT NULL CHECK (status IN ('pending','delivered','failed','disabled')),
                  last_status INTEGER,
                  last_error TEXT NOT NULL DEFAULT '',
                  delivered_at INTEGER
                );
                CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
                CREATE TABLE outbox_alerts (
                  outbox_id INTEGER NOT NULL REFERENCES outbox(id), alert_id INTEGER NOT NULL REFERENCES alerts(id),
                  event TEXT NOT NULL CHECK (event IN ('firing','repeat','resolved'))
                );
                CREATE TABLE delivery_attempts (
                  outbox_id INTEGER NOT NULL REFERENCES outbox(id), attempt INTEGER NOT NULL, at INTEGER NOT NULL,
                  http_status INTEGER, error TEXT NOT NULL DEFAULT ''
                );
                CREATE TABLE disabled_receivers (
                  job_id TEXT NOT NULL, receiver TEXT NOT NULL, disabled_at INTEGER NOT NULL, reason TEXT NOT NULL,
                  PRIMARY KEY (job_id, receiver)
                );
                PRAGMA user_version = 2;
                """)
        }
    }

    /// Runs `body` in one write transaction: alert changes and their outbox rows commit together.
    package func alertTransaction<T>(_ body: () throws -> T) throws(TierwatchError) -> T {
        try run { try database.transaction(body) }
    }

    // MARK: - alerts

    private static let alertColumns =
        "id, fingerprint, job_id, rule, labels, severity, summary, figures, compliance_link, evidence_link, status, started_at, last_seen_at, last_period_end, last_notified_at, missing_runs, last_missing_period, resolved_at, acked_by, acked_reason, acked_at"

    private func alert(_ row: SQLiteRow) -> AlertRecord {
        var labels: [String: String] = [:]
        if case .object(let members)? = try? JSONValue.parse(Array((row.text("labels") ?? "{}").utf8)) {
            for (key, value) in members { if case .string(let text) = value { labels[key] = text } }
        }
        var figures: [(String, String)] = []
        if case .array(let pairs)? = try? JSONValue.parse(Array((row.text("figures") ?? "[]").utf8)) {
            for pair in pairs {
                if case .array(let items) = pair, items.count == 2, case .string(let key) = items[0], case .string(let value) = items[1] {
                    figures.append((key, value))
                }
            }
        }
        return AlertRecord(
            id: row.integer("id") ?? 0, fingerprint: row.text("fingerprint") ?? "", jobID: row.text("job_id") ?? "",
            rule: row.text("rule") ?? "", labels: labels, severity: AlertSeverity(name: row.text("severity") ?? "") ?? .warning,
            summary: row.text("summary") ?? "", figures: figures,
            links: AlertLinks(complianceReport: row.text("compliance_link") ?? "", evidenceCSV: row.text("evidence_link") ?? ""),
            status: row.text("status") ?? "", startedAt: row.integer("started_at") ?? 0, lastSeenAt: row.integer("last_seen_at") ?? 0,
            lastPeriodEnd: row.integer("last_period_end") ?? 0, lastNotifiedAt: row.integer("last_notified_at"),
            missingRuns: Int(row.integer("missing_runs") ?? 0), lastMissingPeriod: row.text("last_missing_period") ?? "",
            resolvedAt: row.integer("resolved_at"), ackedBy: row.text("acked_by"), ackedReason: row.text("acked_reason"),
            ackedAt: row.integer("acked_at"))
    }

    private static func figuresJSON(_ figures: [(String, String)]) -> String {
        JSONText.array(figures.map { .array([.string($0.0), .string($0.1)]) }).rendered
    }

    /// The firing alert with this fingerprint, if any.
    func firingAlert(fingerprint: String) throws -> AlertRecord? {
        try database.query("SELECT \(Self.alertColumns) FROM alerts WHERE fingerprint = ? AND status = 'firing'", [.text(fingerprint)])
            .first.map(alert)
    }

    /// Firing alerts of a job.
    func firingAlerts(jobID: String) throws -> [AlertRecord] {
        try database.query("SELECT \(Self.alertColumns) FROM alerts WHERE job_id = ? AND status = 'firing' ORDER BY id", [.text(jobID)])
            .map(alert)
    }

    /// Whether this fingerprint was already found in this period (a rerun).
    func seen(fingerprint: String, periodLabel: String) throws -> Bool {
        try !database.query(
            "SELECT 1 AS one FROM alert_periods WHERE fingerprint = ? AND period_label = ?", [.text(fingerprint), .text(periodLabel)]
        ).isEmpty
    }

    func markSeen(fingerprint: String, periodLabel: String, alertID: Int64) throws {
        try database.run(
            "INSERT OR IGNORE INTO alert_periods (fingerprint, period_label, alert_id) VALUES (?, ?, ?)",
            [.text(fingerprint), .text(periodLabel), .integer(alertID)])
    }

    func insertAlert(_ candidate: AlertCandidate, links: AlertLinks, periodEnd: Int64, at now: Int64) throws -> AlertRecord {
        try database.run(
            "INSERT INTO alerts (fingerprint, job_id, rule, labels, severity, summary, figures, compliance_link, evidence_link, status, started_at, last_seen_at, last_period_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'firing', ?, ?, ?)",
            [.text(candidate.fingerprint), .text(candidate.labels["job"] ?? ""), .text(candidate.rule),
             .text(JSONText.labels(candidate.labels).rendered), .text(candidate.severity.name), .text(candidate.summary),
             .text(Self.figuresJSON(candidate.figures)), .text(links.complianceReport), .text(links.evidenceCSV),
             .integer(now), .integer(now), .integer(periodEnd)])
        return try database.query("SELECT \(Self.alertColumns) FROM alerts WHERE id = ?", [.integer(database.lastInsertRowID)]).map(alert)[0]
    }

    /// Refreshes a firing alert from a run that found it again.
    func refresh(_ id: Int64, with candidate: AlertCandidate, links: AlertLinks, periodEnd: Int64, at now: Int64) throws {
        try database.run(
            "UPDATE alerts SET severity = ?, summary = ?, figures = ?, compliance_link = ?, evidence_link = ?, last_seen_at = ?, last_period_end = MAX(last_period_end, ?), missing_runs = 0, last_missing_period = '' WHERE id = ?",
            [.text(candidate.severity.name), .text(candidate.summary), .text(Self.figuresJSON(candidate.figures)),
             .text(links.complianceReport), .text(links.evidenceCSV), .integer(now), .integer(periodEnd), .integer(id)])
    }

    func markNotified(_ id: Int64, at now: Int64) throws {
        try database.run("UPDATE alerts SET last_notified_at = ? WHERE id = ?", [.integer(now), .integer(id)])
    }

    func markMissing(_ id: Int64, periodLabel: String) throws {
        try database.run(
            "UPDATE alerts SET missing_runs = missing_runs + 1, last_missing_period = ? WHERE id = ?", [.text(periodLabel), .integer(id)])
    }

    func markResolved(_ id: Int64, at now: Int64) throws {
        try database.run("UPDATE alerts SET status = 'resolved', resolved_at = ? WHERE id = ?", [.integer(now), .integer(id)])
    }

    func reloadAlert(_ id: Int64) throws -> AlertRecord? {
        try database.query("SELECT \(Self.alertColumns) FROM alerts WHERE id = ?", [.integer(id)]).first.map(alert)
    }

    /// Firing alerts, and alerts resolved since `since`, newest first.
    package func listAlerts(resolvedSince since: Int64?, jobID: String? = nil) throws(TierwatchError) -> [AlertRecord] {
        try run {
            var sql = "SELECT \(Self.alertColumns) FROM alerts WHERE (status = 'firing'"
            var bindings: [SQLiteValue] = []
            if let since {
                sql += " OR resolved_at >= ?"
                bindings.append(.integer(since))
            } else {
                sql += " OR 1"
            }
            sql += ")"
            if let jobID {
                sql += " AND job_id = ?"
                bindings.append(.text(jobID))
            }
            return try database.query(sql + " ORDER BY id DESC", bindings).map(alert)
        }
    }

    /// Acknowledges a firing alert: no more repeats; its resolution is still sent.
    package func acknowledge(alertID: Int64, by who: String, reason: String, at now: Int64) throws(TierwatchError) -> AlertRecord? {
        try run {
            try database.run(
                "UPDATE alerts SET acked_by = ?, acked_reason = ?, acked_at = ? WHERE id = ?",
                [.text(who), .text(reason), .integer(now), .integer(alertID)])
            return try reloadAlert(alertID)
        }
    }

    // MARK: - silences

    package func addSilence(matchers: [String: String], until: Int64, by who: String, reason: String, at now: Int64) throws(TierwatchError) -> Int64 {
        try run {
            try database.run(
                "INSERT INTO silences (matchers, until, created_at, created_by, reason) VALUES (?, ?, ?, ?, ?)",
                [.text(JSONText.labels(matchers).rendered), .integer(until), .integer(now), .text(who), .text(reason)])
            return database.lastInsertRowID
        }
    }

    /// Silences still in force at `now` (or all, newest first, when `now` is nil).
    package func silences(activeAt now: Int64?) throws(TierwatchError) -> [SilenceRecord] {
        try run {
            let rows =
                if let now {
                    try database.query("SELECT * FROM silences WHERE until > ? ORDER BY id DESC", [.integer(now)])
                } else {
                    try database.query("SELECT * FROM silences ORDER BY id DESC")
                }
            return rows.map { row in
                var matchers: [String: String] = [:]
                if case .object(let members)? = try? JSONValue.parse(Array((row.text("matchers") ?? "{}").utf8)) {
                    for (key, value) in members { if case .string(let text) = value { matchers[key] = text } }
                }
                return SilenceRecord(
                    id: row.integer("id") ?? 0, matchers: matchers, until: row.integer("until") ?? 0,
                    createdAt: row.integer("created_at") ?? 0, createdBy: row.text("created_by") ?? "", reason: row.text("reason") ?? "")
            }
        }
    }

    // MARK: - outbox

    private static let outboxColumns =
        "id, webhook_id, job_id, receiver, kind, url, url_env, secret_env, allow_insecure, timeout_seconds, body, summary, created_at, next_attempt_at, attempts, status, last_status, last_error, delivered_at, options"

    private func outbox(_ row: SQLiteRow) -> OutboxRecord {
        OutboxRecord(
            id: row.integer("id") ?? 0, webhookID: row.text("webhook_id") ?? "", jobID: row.text("job_id") ?? "",
            receiver: row.text("receiver") ?? "", kind: ReceiverKind(rawValue: row.text("kind") ?? "") ?? .webhook,
            url: row.text("url"), urlEnvironment: row.text("url_env"), secretEnvironment: row.text("secret_env"),
            allowInsecure: row.integer("allow_insecure") == 1, timeoutSeconds: Int(row.integer("timeout_seconds") ?? 10),
            body: row.text("body") ?? "", summary: row.text("summary") ?? "", createdAt: row.integer("created_at") ?? 0,
            nextAttemptAt: row.integer("next_attempt_at") ?? 0, attempts: Int(row.integer("attempts") ?? 0),
            status: row.text("status") ?? "", lastStatus: row.integer("last_status").map { Int($0) },
            lastError: row.text("last_error") ?? "", deliveredAt: row.integer("delivered_at"), options: row.text("options") ?? "")
    }

    /// Queues one notification (inside the caller's transaction) and returns its id.
    func enqueue(
        receiver: ReceiverSettings, jobID: String, body: String, summary: String, alerts: [(Int64, String)], at now: Int64
    ) throws -> Int64 {
        let disabled = try isDisabled(jobID: jobID, receiver: receiver.name)
        let next = (try database.query("SELECT COALESCE(MAX(id), 0) + 1 AS next FROM outbox").first?.integer("next")) ?? 1
        // Unique per database and stable across attempts; derived, not random, so a test
        // can predict nothing secret from it and a rerun cannot collide with an old id.
        let webhookID = "msg_" + Hex.encode(SHA256.hash("\(jobID)\n\(receiver.name)\n\(now)\n\(next)\n\(body)")).prefix(24)
        try database.run(
            "INSERT INTO outbox (id, webhook_id, job_id, receiver, kind, url, url_env, secret_env, allow_insecure, timeout_seconds, body, summary, created_at, next_attempt_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [.integer(next), .text(webhookID), .text(jobID), .text(receiver.name), .text(receiver.kind.rawValue),
             receiver.url.map { .text($0) } ?? .null, receiver.urlEnvironment.map { .text($0) } ?? .null,
             receiver.secretEnvironment.map { .text($0) } ?? .null, .integer(receiver.allowInsecure ? 1 : 0),
             .integer(Int64(receiver.timeoutSeconds)), .text(body), .text(summary), .integer(now), .integer(now),
             .text(disabled ? "disabled" : "pending")])
        for (alertID, event) in alerts {
            try database.run(
                "INSERT INTO outbox_alerts (outbox_id, alert_id, event) VALUES (?, ?, ?)", [.integer(next), .integer(alertID), .text(event)])
        }
        return next
    }

    /// Pending notifications due at `now`, oldest first.
    package func dueNotifications(at now: Int64) throws(TierwatchError) -> [OutboxRecord] {
        try run {
            try database.query(
                "SELECT \(Self.outboxColumns) FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id", [.integer(now)]
            ).map(outbox)
        }
    }

    /// One notification by number or `webhook-id`.
    package func notification(_ reference: String) throws(TierwatchError) -> OutboxRecord? {
        try run {
            if let id = Int64(reference) {
                return try database.query("SELECT \(Self.outboxColumns) FROM outbox WHERE id = ?", [.integer(id)]).first.map(outbox)
            }
            return try database.query("SELECT \(Self.outboxColumns) FROM outbox WHERE webhook_id = ?", [.text(reference)]).first.map(outbox)
        }
    }

    /// Notifications, newest first.
    package func notifications(limit: Int = 50) throws(TierwatchError) -> [OutboxRecord] {
        try run {
            try database.query("SELECT \(Self.outboxColumns) FROM outbox ORDER BY id DESC LIMIT ?", [.integer(Int64(limit))]).map(outbox)
        }
    }

    /// Records one attempt and the notification's new state, in one transaction.
    package func recordAttempt(
        _ id: Int64, attempt: Int, at now: Int64, httpStatus: Int?, error: String, status: String, nextAttemptAt: Int64
    ) throws(TierwatchError) {
        try run {
            try database.transaction {
                try database.run(
                    "INSERT INTO delivery_attempts (outbox_id, attempt, at, http_status, error) VALUES (?, ?, ?, ?, ?)",
                    [.integer(id), .integer(Int64(attempt)), .integer(now), httpStatus.map { .integer(Int64($0)) } ?? .null, .text(error)])
                try database.run(
                    "UPDATE outbox SET attempts = ?, status = ?, next_attempt_at = ?, last_status = ?, last_error = ?, delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END WHERE id = ?",
                    [.integer(Int64(attempt)), .text(status), .integer(nextAttemptAt), httpStatus.map { .integer(Int64($0)) } ?? .null,
                     .text(error), .text(status), .integer(now), .integer(id)])
            }
        }
    }

    /// Attempts of one notification, oldest first: (attempt, at, HTTP status, error).
    package func attempts(of id: Int64) throws(TierwatchError) -> [(attempt: Int, at: Int64, status: Int?, error: String)] {
        try run {
            try database.query("SELECT attempt, at, http_status, error FROM delivery_attempts WHERE outbox_id = ? ORDER BY rowid", [.integer(id)])
                .map { (Int($0.integer("attempt") ?? 0), $0.integer("at") ?? 0, $0.integer("http_status").map { Int($0) }, $0.text("error") ?? "") }
        }
    }

    // MARK: - receivers

    func isDisabled(jobID: String, receiver: String) throws -> Bool {
        try !database.query(
            "SELECT 1 AS one FROM disabled_receivers WHERE job_id = ? AND receiver = ?", [.text(jobID), .text(receiver)]
        ).isEmpty
    }

    /// Disables a receiver that answered 410 Gone, parking its pending notifications.
    package func disableReceiver(jobID: String, receiver: String, reason: String, at now: Int64) throws(TierwatchError) {
        try run {
            try database.transaction {
                try database.run(
                    "INSERT OR REPLACE INTO disabled_receivers (job_id, receiver, disabled_at, reason) VALUES (?, ?, ?, ?)",
                    [.text(jobID), .text(receiver), .integer(now), .text(reason)])
                try database.run(
                    "UPDATE outbox SET status = 'disabled' WHERE job_id = ? AND receiver = ? AND status = 'pending'",
                    [.text(jobID), .text(receiver)])
            }
        }
    }

    /// Re-enables a receiver (after a replay to it succeeded).
    package func enableReceiver(jobID: String, receiver: String) throws(TierwatchError) {
        try run {
            try database.run("DELETE FROM disabled_receivers WHERE job_id = ? AND receiver = ?", [.text(jobID), .text(receiver)])
        }
    }

    /// The latest completed run of a job (any period), and the first run ever.
    package func runTimes(jobID: String) throws(TierwatchError) -> (lastSuccess: Int64?, firstRun: Int64?) {
        try run {
            let last = try database.query(
                "SELECT MAX(finished_at) AS t FROM runs WHERE job_id = ? AND status IN ('success','warn','fail')", [.text(jobID)]
            ).first?.integer("t")
            let first = try database.query("SELECT MIN(started_at) AS t FROM runs WHERE job_id = ?", [.text(jobID)]).first?.integer("t")
            return (last, first)
        }
    }
}
