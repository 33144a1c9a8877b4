import Digests
import SQLite

/// Mail in the notification outbox (schema version 3): one row per mailed report, sent and
/// retried exactly as webhooks are (see ``AlertDelivery``).
extension StateStore {
    func migrateMailOutbox() throws {
        try database.transaction {
            try database.execute(
                """
                ALTER TABLE outbox ADD COLUMN options TEXT NOT NULL DEFAULT '';
                ALTER TABLE outbox ADD COLUMN dedupe_key TEXT;
                CREATE UNIQUE INDEX outbox_dedupe ON outbox (dedupe_key) WHERE dedupe_key IS NOT NULL;
                PRAGMA user_version = 3;
                """)
        }
    }

    /// Queues one message unless one with the same `dedupeKey` was queued before; returns
    /// the new notification's id, or nil when it was already queued.
    package func enqueueMail(
        jobID: String, receiver: String, smtpURL: String, passwordEnvironment: String?, timeoutSeconds: Int, message: String,
        summary: String, options: String, dedupeKey: String, at now: Int64
    ) throws(TierwatchError) -> Int64? {
        try run {
            try database.transaction { () throws -> Int64? in
                if try !database.query("SELECT 1 AS one FROM outbox WHERE dedupe_key = ?", [.text(dedupeKey)]).isEmpty { return nil }
                let next = (try database.query("SELECT COALESCE(MAX(id), 0) + 1 AS next FROM outbox").first?.integer("next")) ?? 1
                let webhookID = "msg_" + Hex.encode(SHA256.hash("\(jobID)\n\(receiver)\n\(now)\n\(next)\n\(dedupeKey)")).prefix(24)
                try database.run(
                    "INSERT INTO outbox (id, webhook_id, job_id, receiver, kind, url, url_env, secret_env, allow_insecure, timeout_seconds, body, summary, created_at, next_attempt_at, status, options, dedupe_key) VALUES (?, ?, ?, ?, 'email', ?, NULL, ?, 0, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                    [.integer(next), .text(webhookID), .text(jobID), .text(receiver), .text(smtpURL),
                     passwordEnvironment.map { .text($0) } ?? .null, .integer(Int64(timeoutSeconds)), .text(message), .text(summary),
                     .integer(now), .integer(now), .text(options), .text(dedupeKey)])
                return next
            }
        }
    }
}
