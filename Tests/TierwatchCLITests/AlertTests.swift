import Foundation
import Testing

private let pagerDutyKey = "e93facc04764012d7bfb002500d5d1a6"
private let slackSecretPath = "services/T000/B000/slack-secret-path-5f2a"

/// Environment for runs that deliver: the pseudonym key and the receivers' secrets.
private func alertEnvironment(_ receiver: WebhookReceiver, extra: [String: String] = [:]) -> [String: String] {
    var env = [
        "TIERWATCH_PSEUDONYM_KEY": "test-key", "TW_HOOK_SECRET": WebhookReceiver.secret, "TW_PD_KEY": pagerDutyKey,
        "TW_SLACK_URL": receiver.url("ok/" + slackSecretPath),
    ]
    for (key, value) in extra { env[key] = value }
    return env
}

/// A receiver entry for a job file.
private func webhook(_ url: String, name: String = "hook", timeout: Int = 5) -> String {
    #"{"name": "\#(name)", "type": "webhook", "url": "\#(url)", "secret_env": "TW_HOOK_SECRET", "timeout_seconds": \#(timeout)}"#
}

/// The bundled daily consent audit with every receiver format pointed at `receiver`.
private func sampleAuditJob(_ w: Workspace, receiver: WebhookReceiver) throws {
    try FileManager.default.createSymbolicLink(atPath: w.jobs + "/sample-data", withDestinationPath: packageRoot + "/Jobs/sample-data")
    let original = try String(contentsOfFile: packageRoot + "/Jobs/daily-consent-audit.json", encoding: .utf8)
    let alerts = """
        "report_base_url": "https://reports.example.com/tierwatch",
        "alerts": {"rules": {"input_freshness": false}, "receivers": [
          \(webhook(receiver.url("ok/hook"))),
          {"name": "slack", "type": "slack", "url_env": "TW_SLACK_URL"},
          {"name": "teams", "type": "teams", "url": "\(receiver.url("ok/teams"))"},
          {"name": "pagerduty", "type": "pagerduty", "url": "\(receiver.url("ok/pagerduty"))", "secret_env": "TW_PD_KEY"},
          {"name": "alertmanager", "type": "alertmanager", "url": "\(receiver.url("ok/alertmanager"))"}
        ]},
        """
    try w.write(original.replacingOccurrences(of: "\"schemaVersion\": 1,", with: "\"schemaVersion\": 1,\n" + alerts), to: "Jobs/daily-consent-audit.json")
}

/// A small job whose one EU use without consent breaks the tier rate rule (1,000 per 1,000).
private func smallAlertJob(_ w: Workspace, receivers: String, days: [String] = ["2026-11-22"], extraAlerts: String = "") throws {
    var events = cleanEvents
    for (index, day) in days.enumerated() {
        events.append("v\(index),\(day)T11:00:00Z,s2,c1,Autumn,one_to_many,email,delivered,,,device,personalization,EU")
    }
    try smallDataSet(w, events: events, consents: [grantS1])
    try w.write(
        Canonical.job(extra: #""fail_on": "never", "alerts": {"rules": {"input_freshness": false}, "receivers": [\#(receivers)]\#(extraAlerts)}"#), to: "Jobs/audit.json")
}

private func json(_ request: ReceivedRequest) -> [String: Any] { request.json as? [String: Any] ?? [:] }

/// Checks `value` against a documented example: every member we send exists there with
/// the same JSON type (arrays: each item matches some documented item).
private func conforms(_ value: Any, _ example: Any, path: String, open: Set<String>) -> [String] {
    if open.contains(path) { return value is [String: Any] ? [] : ["\(path): expected an object"] }
    switch (value, example) {
    case (let object as [String: Any], let documented as [String: Any]):
        return object.keys.sorted().flatMap { key -> [String] in
            let child = path.isEmpty ? key : path + "." + key
            guard let expected = documented[key] else { return ["\(child): not in the documented example"] }
            return conforms(object[key]!, expected, path: child, open: open)
        }
    case (let items as [Any], let documented as [Any]):
        return items.flatMap { item -> [String] in
            let attempts = documented.map { conforms(item, $0, path: path, open: open) }
            return attempts.contains { $0.isEmpty } ? [] : (attempts.min { $0.count < $1.count } ?? ["\(path): empty example"])
        }
    case (is NSNull, is NSNull), (is String, is String): return []
    case (let a as NSNumber, let b as NSNumber):
        let isBool = { (n: NSNumber) in String(cString: n.objCType) == "c" }
        return isBool(a) == isBool(b) ? [] : ["\(path): expected the documented type"]
    default: return ["\(path): \(type(of: value)) where the example has \(type(of: example))"]
    }
}

private func checkShape(_ body: [String: Any], fixture: String) throws {
    let data = try Data(contentsOf: URL(fileURLWithPath: packageRoot + "/Tests/TierwatchCLITests/Fixtures/alert-formats/\(fixture).json"))
    let spec = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    let problems = conforms(body, spec["example"]!, path: "", open: Set(spec["open"] as! [String]))
    #expect(problems.isEmpty, "\(fixture): \(problems)")
    for required in spec["required"] as! [String] {
        var node: Any? = body
        for part in required.split(separator: ".") { node = (node as? [String: Any])?[String(part)] }
        #expect(node != nil, "\(fixture): missing \(required)")
    }
}

@Suite("Breach-risk alerts over webhooks", .serialized)
struct AlertTests {
    @Test("the sample daily audit raises the expected alerts once, a rerun sends nothing, a clean period resolves them once")
    func sampleAuditLifecycle() throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let w = try Workspace()
        try sampleAuditJob(w, receiver: receiver)
        let env = alertEnvironment(receiver)
        let first = try w.tierwatch(["run", "daily-consent-audit", "--period", "2026-11-19", "--now", "2026-11-20T05:00:00Z"], environment: env)
        #expect(first.status == 2, "\(first.stderr)")

        // The oracle: the run's own evidence files, read independently of the alert code.
        let violations = try w.read("Reports/daily-consent-audit/2026-11-19/violations.csv").split(whereSeparator: \.isNewline).dropFirst()
        var critical: Set<String> = []
        for line in violations {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if cells[3] == "critical" { critical.insert("\(cells[2])/\(cells[4])/\(cells[5])") }
        }
        var highRateTiers: Set<String> = []
        let privacy = try w.read("Reports/daily-consent-audit/2026-11-19/privacy_by_tier.csv").split(whereSeparator: \.isNewline).map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        for row in privacy.dropFirst() where row[0] != "all" {
            if let checked = Int(row[2]), let count = Int(row[4]), checked > 0, count * 1000 > 5 * checked { highRateTiers.insert(row[0]) }
        }
        #expect(!critical.isEmpty, "the sample day has critical violations")

        let hooks = receiver.requests.filter { $0.path == "/ok/hook" }
        #expect(hooks.count == 1, "one grouped notification per receiver")
        let hook = try #require(hooks.first)
        #expect(hook.verified == true, "standardwebhooks verified the signature: \(hook.problem)")
        let alerts = json(hook)["alerts"] as? [[String: Any]] ?? []
        let labels = alerts.map { $0["labels"] as? [String: String] ?? [:] }
        #expect(Set(labels.filter { $0["rule"] == "critical_violation" }.map { "\($0["violation_rule"]!)/\($0["tier"]!)/\($0["jurisdiction"]!)" }) == critical)
        #expect(Set(labels.filter { $0["rule"] == "tier_violation_rate" }.map { $0["tier"]! }) == highRateTiers)
        for alert in alerts {
            #expect(alert["event"] as? String == "firing")
            let links = alert["links"] as? [String: String] ?? [:]
            #expect(links["compliance_report"] == "https://reports.example.com/tierwatch/daily-consent-audit/2026-11-19/compliance.html")
            if alert["severity"] as? String == "critical" {
                // GDPR Art. 33: 72 hours after detection (the run's --now).
                #expect(alert["notify_authority_by"] as? String == "2026-11-23T05:00:00Z")
            } else {
                #expect(alert["notify_authority_by"] is NSNull)
            }
        }
        let firstCount = receiver.requests.count
        #expect(receiver.requests.filter { $0.path.hasPrefix("/ok/pagerduty") }.count == alerts.count, "PagerDuty gets one event per alert")
        #expect(firstCount == 4 + alerts.count)

        // Every format against its documented example.
        for request in receiver.requests {
            let body = json(request)
            switch request.path {
            case "/ok/" + slackSecretPath: try checkShape(body, fixture: "slack")
            case "/ok/teams": try checkShape(body, fixture: "teams")
            case "/ok/pagerduty":
                try checkShape(body, fixture: "pagerduty-trigger")
                #expect(body["routing_key"] as? String == pagerDutyKey)
            case "/ok/alertmanager": try checkShape(body, fixture: "alertmanager")
            default: break
            }
        }

        // A rerun of the same period sends nothing new.
        let rerun = try w.tierwatch(["run", "daily-consent-audit", "--period", "2026-11-19", "--now", "2026-11-20T07:00:00Z"], environment: env)
        #expect(rerun.status == 2)
        #expect(receiver.requests.count == firstCount)

        // A clean period (no events after the 22nd) resolves every alert, exactly once.
        for _ in 0..<2 {
            let clean = try w.tierwatch(["run", "daily-consent-audit", "--period", "2026-11-23", "--now", "2026-11-24T05:00:00Z"], environment: env)
            // warn (1), not success: the sample export carries a few rejected rows in every file.
            #expect(clean.status == 1, "\(clean.stderr)")
            #expect(clean.stderr.contains(" 0 violations"), "\(clean.stderr)")
        }
        let resolved = receiver.requests.dropFirst(firstCount)
        #expect(resolved.count == 4 + alerts.count)
        let resolvedHook = try #require(resolved.first { $0.path == "/ok/hook" })
        #expect(resolvedHook.verified == true)
        #expect(json(resolvedHook)["status"] as? String == "resolved")
        #expect(Set((json(resolvedHook)["alerts"] as? [[String: Any]] ?? []).compactMap { $0["fingerprint"] as? String })
            == Set(alerts.compactMap { $0["fingerprint"] as? String }))
        for request in resolved where request.path == "/ok/pagerduty" {
            try checkShape(json(request), fixture: "pagerduty-resolve")
            #expect(json(request)["event_action"] as? String == "resolve")
        }
        for request in resolved where request.path == "/ok/alertmanager" { try checkShape(json(request), fixture: "alertmanager") }

        // Secrets never reach the state database (nor its WAL): only the variables' names.
        var stored = Data()
        for suffix in ["", "-wal"] { stored += FileManager.default.contents(atPath: w.state + suffix) ?? Data() }
        let text = String(decoding: stored, as: UTF8.self)
        #expect(text.contains("TW_HOOK_SECRET"))
        for secret in [String(WebhookReceiver.secret.dropFirst(6)), pagerDutyKey, slackSecretPath] {
            #expect(!text.contains(secret), "a secret is in the state database")
        }
        // The listing shows what resolved in the 7 days before its clock: the run's, not the real one.
        let listing = try w.tierwatch(["alerts", "--now", "2026-11-24T06:00:00Z"], environment: env)
        #expect(listing.stdout.contains("resolved"))
        #expect(!listing.stdout.contains("firing "), "\(listing.stdout)")
    }

    @Test("failed attempts follow the retry schedule on the injected clock, with one webhook-id and a fresh signature each time")
    func retrySchedule() throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let w = try Workspace()
        try smallAlertJob(w, receivers: webhook(receiver.url("500")))
        let env = alertEnvironment(receiver)
        let t0 = Date(timeIntervalSince1970: 1_795_413_600)  // 2026-11-23T06:00:00Z
        func at(_ seconds: Double) -> String { ISO8601DateFormatter().string(from: t0.addingTimeInterval(seconds)) }
        #expect(try w.tierwatch(["run", "audit", "--period", "2026-11-22", "--now", at(0)], environment: env).status == 1)
        #expect(receiver.requests.count == 1, "the first attempt is immediate")
        try w.tierwatch(["deliver", "--now", at(4)], environment: env)
        #expect(receiver.requests.count == 1, "not due before 5 s")
        try w.tierwatch(["deliver", "--now", at(6)], environment: env)
        #expect(receiver.requests.count == 2, "due after 5 s plus at most 10% jitter")
        try w.tierwatch(["deliver", "--now", at(6 + 299)], environment: env)
        #expect(receiver.requests.count == 2)
        try w.tierwatch(["deliver", "--now", at(6 + 331)], environment: env)
        #expect(receiver.requests.count == 3)
        // The rest of the schedule: 30 min, 2 h, 5 h, then 10 h steps, each + at most 10%.
        var clock = 6.0 + 331
        for delay in [1800.0, 7200, 18_000, 36_000, 36_000, 36_000, 36_000, 36_000] {
            try w.tierwatch(["deliver", "--now", at(clock + delay * 0.99)], environment: env)
            clock += delay * 1.1 + 1
            try w.tierwatch(["deliver", "--now", at(clock)], environment: env)
        }
        #expect(receiver.requests.count == 11)
        let last = try w.tierwatch(["deliver", "--now", at(clock + 36_000 * 1.1 + 1)], environment: env)
        #expect(receiver.requests.count == 12, "12 attempts in all")
        #expect(last.status == 75)
        #expect(last.stderr.contains("gave up after 12 attempts"), "\(last.stderr)")
        #expect(try w.tierwatch(["deliver", "--now", at(clock + 10 * 86_400)], environment: env).status == 0)
        #expect(receiver.requests.count == 12, "nothing after the last attempt")
        let requests = receiver.requests
        #expect(Set(requests.map { $0.headers["webhook-id"] ?? "" }).count == 1, "webhook-id is stable across retries")
        #expect(requests.allSatisfy { $0.verified == true }, "\(requests.map(\.problem))")
        #expect(Set(requests.map(\.body)).count == 1, "the same body every time")
    }

    @Test("429 waits for Retry-After instead of the schedule")
    func retryAfter() throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let w = try Workspace()
        try smallAlertJob(w, receivers: webhook(receiver.url("429")))
        let env = alertEnvironment(receiver)
        try w.tierwatch(["run", "audit", "--period", "2026-11-22", "--now", "2026-11-23T06:00:00Z"], environment: env)
        try w.tierwatch(["deliver", "--now", "2026-11-23T06:00:30Z"], environment: env)
        #expect(receiver.requests.count == 1, "Retry-After: 120 overrides the 5 s step")
        try w.tierwatch(["deliver", "--now", "2026-11-23T06:02:01Z"], environment: env)
        #expect(receiver.requests.count == 2)
    }

    @Test("410 disables the receiver and parks its notifications; a replay to a working URL is possible by id")
    func goneDisables() throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let w = try Workspace()
        try smallAlertJob(w, receivers: webhook(receiver.url("410")), days: ["2026-11-22", "2026-11-23"])
        let env = alertEnvironment(receiver)
        let run = try w.tierwatch(["run", "audit", "--period", "2026-11-22", "--now", "2026-11-23T06:00:00Z"], environment: env)
        #expect(run.stderr.contains("disabled"), "\(run.stderr)")
        // The alert repeats after 24 h, but the receiver is disabled: queued, not sent.
        try w.tierwatch(["run", "audit", "--period", "2026-11-23", "--now", "2026-11-24T07:00:00Z"], environment: env)
        #expect(receiver.requests.count == 1)
        let history = try w.tierwatch(["alerts", "history"], environment: env)
        #expect(history.stdout.components(separatedBy: "disabled").count - 1 == 2, "\(history.stdout)")
    }

    @Test("a redirect is a failure and is not followed; a hanging receiver times out within its bound")
    func redirectAndHang() throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let w = try Workspace()
        try smallAlertJob(w, receivers: webhook(receiver.url("302"), name: "moved") + "," + webhook(receiver.url("hang"), name: "slow", timeout: 1))
        let env = alertEnvironment(receiver)
        let run = try w.tierwatch(["run", "audit", "--period", "2026-11-22", "--now", "2026-11-23T06:00:00Z"], environment: env, timeout: 60)
        #expect(run.status == 1)
        #expect(receiver.requests.map(\.path).sorted() == ["/302", "/hang"], "the redirect to /ok was not followed")
        let history = try w.tierwatch(["alerts", "history"], environment: env)
        #expect(history.stdout.contains("pending"), "both stay queued for a retry: \(history.stdout)")
    }

    @Test("a process killed right after the outbox commit loses nothing: deliver sends it")
    func crashAfterOutboxWrite() throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let w = try Workspace()
        try smallAlertJob(w, receivers: webhook(receiver.url("ok")))
        let crashed = try w.tierwatch(
            ["run", "audit", "--period", "2026-11-22", "--now", "2026-11-23T06:00:00Z"],
            environment: alertEnvironment(receiver, extra: ["TIERWATCH_TEST_CRASH_AFTER": "outbox-write"]))
        #expect(crashed.status == 86)
        #expect(receiver.requests.isEmpty)
        #expect(try w.tierwatch(["deliver", "--now", "2026-11-23T06:01:00Z"], environment: alertEnvironment(receiver)).status == 0)
        let requests = receiver.requests
        #expect(requests.count == 1)
        #expect(requests.first?.verified == true)
        // A replay resends the same webhook-id, re-signed.
        #expect(try w.tierwatch(["deliver", "--replay", "1"], environment: alertEnvironment(receiver)).status == 0)
        #expect(receiver.requests.count == 2)
        #expect(receiver.requests[1].headers["webhook-id"] == requests[0].headers["webhook-id"])
        #expect(receiver.requests[1].verified == true)
    }

    @Test("repeats come after repeat_interval until acknowledged; the flap guard resolves once after N clean runs")
    func repeatAckAndFlapGuard() throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let w = try Workspace()
        try smallAlertJob(
            w, receivers: webhook(receiver.url("ok")), days: ["2026-11-22", "2026-11-23", "2026-11-24"],
            extraAlerts: #", "repeat_interval": "24h", "resolve_after_runs": 2"#)
        let env = alertEnvironment(receiver)
        func run(_ day: String, _ now: String) throws { try w.tierwatch(["run", "audit", "--period", day, "--now", now], environment: env) }
        func events() -> [String] {
            receiver.requests.flatMap { (json($0)["alerts"] as? [[String: Any]] ?? []).compactMap { $0["event"] as? String } }
        }
        try run("2026-11-22", "2026-11-23T06:00:00Z")
        try run("2026-11-23", "2026-11-24T05:00:00Z")  // 23 h later: still within repeat_interval
        #expect(events() == ["firing"])
        try run("2026-11-24", "2026-11-25T06:00:00Z")
        #expect(events() == ["firing", "repeat"])
        let ack = try w.tierwatch(["alerts", "ack", "1", "--by", "dpo@example.com", "--reason", "vendor fixing consent sync"], environment: env)
        #expect(ack.status == 0, "\(ack.stderr)")
        try run("2026-11-24", "2026-11-27T06:00:00Z")
        #expect(events() == ["firing", "repeat"], "acknowledged: no more repeats")
        try run("2026-11-25", "2026-11-26T06:00:00Z")
        try run("2026-11-25", "2026-11-26T07:00:00Z")  // a rerun of the same clean day counts once
        #expect(events() == ["firing", "repeat"], "one clean period is not enough with resolve_after_runs 2")
        try run("2026-11-26", "2026-11-27T06:00:00Z")
        try run("2026-11-27", "2026-11-28T06:00:00Z")
        #expect(events() == ["firing", "repeat", "resolved"])
        #expect(receiver.requests.allSatisfy { $0.verified == true })
        #expect(try w.tierwatch(["alerts", "history"], environment: env).stdout.contains("dpo@example.com: vendor fixing consent sync"))
    }

    @Test("a silenced alert sends nothing but is still listed")
    func silence() throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let w = try Workspace()
        try smallAlertJob(w, receivers: webhook(receiver.url("ok")))
        let env = alertEnvironment(receiver)
        let silence = try w.tierwatch(
            ["alerts", "silence", "--match", "rule=tier_violation_rate", "--match", "tier=one_to_many", "--until", "2026-12-01T00:00:00Z",
             "--now", "2026-11-23T05:00:00Z", "--by", "dpo", "--reason", "known"], environment: env)
        #expect(silence.status == 0, "\(silence.stderr)")
        try w.tierwatch(["run", "audit", "--period", "2026-11-22", "--now", "2026-11-23T06:00:00Z"], environment: env)
        #expect(receiver.requests.isEmpty)
        #expect(try w.tierwatch(["alerts", "--now", "2026-11-23T06:00:00Z"], environment: env).stdout.contains("tier_violation_rate"))
    }

    @Test("validate rejects plain http to another host, a missing secret_env and unknown alert keys", arguments: [
        (#"{"type": "webhook", "url": "http://hooks.example.com/x", "secret_env": "S"}"#, "plain http:// is allowed only"),
        (#"{"type": "webhook", "url": "https://hooks.example.com/x"}"#, "missing key \"secret_env\""),
        (#"{"type": "slack", "url": "https://a", "url_env": "U"}"#, "exactly one of \"url\" or \"url_env\""),
        (#"{"type": "sms", "url": "https://a"}"#, "$.alerts.receivers[0].type"),
    ])
    func validation(receiver: String, message: String) throws {
        let w = try Workspace()
        try smallDataSet(w, events: cleanEvents)
        try w.write(Canonical.job(extra: #""alerts": {"receivers": [\#(receiver)], "repeat_intervall": "1h"}"#), to: "Jobs/audit.json")
        let result = try w.tierwatch(["validate"])
        #expect(result.status == 78)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.contains("did you mean \"repeat_interval\""))
    }
}
