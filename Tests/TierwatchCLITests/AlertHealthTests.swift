import Foundation
import Testing

/// The operational alerts: stale inputs and a job that stopped completing.
@Suite("Freshness and dead-man's switch alerts", .serialized)
struct AlertHealthTests {
    private func events(_ receiver: WebhookReceiver) -> [(rule: String, event: String, severity: String)] {
        receiver.requests.flatMap { request -> [(String, String, String)] in
            let body = request.json as? [String: Any] ?? [:]
            return (body["alerts"] as? [[String: Any]] ?? []).map { alert in
                let labels = alert["labels"] as? [String: String] ?? [:]
                return (labels["rule"] ?? "", alert["event"] as? String ?? "", alert["severity"] as? String ?? "")
            }
        }
    }

    private func job(_ receiver: WebhookReceiver, rules: String) -> String {
        Canonical.job(extra: """
            "fail_on": "never", "warn_on": "never",
            "alerts": {"rules": {\(rules)}, "receivers": [
              {"name": "hook", "type": "webhook", "url": "\(receiver.url("ok/hook"))", "secret_env": "TW_HOOK_SECRET"}]}
            """)
    }

    private let env = ["TIERWATCH_PSEUDONYM_KEY": "k", "TW_HOOK_SECRET": WebhookReceiver.secret]

    @Test("an input whose newest row is older than its limit raises input_freshness, measured against the period")
    func freshness() throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let w = try Workspace()
        // The newest event is at 10:00Z; the day ends at 24:00Z: 14 hours.
        try smallDataSet(w, events: cleanEvents, consents: [grantS1])
        try w.write(job(receiver, rules: #""input_freshness": {"events": 12}"#), to: "Jobs/stale.json")
        try w.write(job(receiver, rules: #""input_freshness": {"events": 24}"#), to: "Jobs/fresh.json")
        #expect(try w.tierwatch(["run", "fresh", "--period", "2026-11-22"], environment: env).status == 0)
        #expect(events(receiver).isEmpty, "14 h is within a 24 h limit")
        #expect(try w.tierwatch(["run", "stale", "--period", "2026-11-22"], environment: env).status == 0)
        let sent = events(receiver)
        #expect(sent.count == 1)
        #expect(sent.first?.rule == "input_freshness" && sent.first?.event == "firing" && sent.first?.severity == "warning", "\(sent)")
        let body = receiver.requests.last?.json as? [String: Any] ?? [:]
        let alert = (body["alerts"] as? [[String: Any]])?.first ?? [:]
        #expect((alert["figures"] as? [String: String])?["age_hours"] == "14.0 h")
        #expect(receiver.requests.allSatisfy { $0.verified == true })
        // The same period again, much later on the clock: the answer does not change.
        #expect(try w.tierwatch(["run", "stale", "--period", "2026-11-22", "--now", "2027-03-01T00:00:00Z"], environment: env).status == 0)
        #expect(events(receiver).count == 1, "nothing new to send: \(events(receiver))")
    }

    @Test("a scheduled job that has not completed within 2 periods raises dead_mans_switch (high) once, and it resolves")
    func deadMansSwitch() throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let w = try Workspace()
        try smallDataSet(w, events: cleanEvents, consents: [grantS1])
        try w.write(job(receiver, rules: #""input_freshness": false"#), to: "Jobs/audit.json")
        // A completed run on the 21st for the 20th.
        #expect(try w.tierwatch(["run", "--all-due", "--now", "2026-11-21T06:00:00Z"], environment: env).status == 0)
        // The export disappears: the following days' runs fail.
        try FileManager.default.removeItem(atPath: w.jobs + "/data/events.csv")
        let dayTwo = try w.tierwatch(["run", "--all-due", "--now", "2026-11-22T06:00:00Z"], environment: env)
        #expect(dayTwo.status == 66, "\(dayTwo.stderr)")
        #expect(!events(receiver).contains { $0.rule == "dead_mans_switch" }, "one day without a run is not yet two periods")
        let dayFour = try w.tierwatch(["run", "--all-due", "--now", "2026-11-24T06:00:00Z"], environment: env)
        #expect(dayFour.status == 66)
        let fired = events(receiver).filter { $0.rule == "dead_mans_switch" }
        #expect(fired.count == 1 && fired.first?.event == "firing" && fired.first?.severity == "high", "\(events(receiver))")
        let listing = try w.tierwatch(["alerts"], environment: env)
        #expect(listing.stdout.contains("dead_mans_switch"), "\(listing.stdout)")
        // An hour later cron calls again: no second page.
        _ = try w.tierwatch(["run", "--all-due", "--now", "2026-11-24T07:30:00Z"], environment: env)
        #expect(events(receiver).filter { $0.rule == "dead_mans_switch" }.count == 1)
        // The export is back: the job completes and the switch resolves exactly once.
        try smallDataSet(w, events: cleanEvents, consents: [grantS1])
        #expect(try w.tierwatch(["run", "--all-due", "--now", "2026-11-24T09:00:00Z"], environment: env).status == 0)
        _ = try w.tierwatch(["run", "--all-due", "--now", "2026-11-24T10:00:00Z"], environment: env)
        let switchEvents = events(receiver).filter { $0.rule == "dead_mans_switch" }.map(\.event)
        #expect(switchEvents == ["firing", "resolved"], "\(switchEvents)")
    }
}
