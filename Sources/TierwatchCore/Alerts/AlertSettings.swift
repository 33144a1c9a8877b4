/// How urgent an alert is: the receivers' common vocabulary (PagerDuty and Alertmanager map it).
package enum AlertSeverity: Int, CaseIterable, Sendable, Comparable {
    case warning, high, critical

    package var name: String {
        switch self {
        case .warning: "warning"
        case .high: "high"
        case .critical: "critical"
        }
    }

    package init?(name: String) {
        guard let value = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = value
    }

    package static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// The formats a receiver speaks.
package enum ReceiverKind: String, CaseIterable, Sendable {
    /// Tierwatch's own JSON envelope, signed per the Standard Webhooks spec.
    case webhook
    /// A Slack incoming webhook.
    case slack
    /// A Microsoft Teams Workflows webhook posting an Adaptive Card.
    case teams
    /// PagerDuty Events API v2.
    case pagerduty
    /// The Alertmanager webhook (version 4) shape, for receivers that already read it.
    case alertmanager
    /// A mailed report (the `mail` section), not an alert receiver; it shares the outbox.
    case email
}

/// One place notifications go, as the job file names it.
///
/// Secrets are never kept here, only the names of the environment variables holding them:
/// the values are read at send time, so they reach neither the state database nor errors.
package struct ReceiverSettings: Sendable, Equatable {
    package var name: String
    package var kind: ReceiverKind
    /// The URL, when it is not a secret.
    package var url: String?
    /// The environment variable holding the URL (Slack and Teams URLs are credentials).
    package var urlEnvironment: String?
    /// The environment variable holding the signing secret (`whsec_...`, several
    /// space-separated during a rotation) or, for PagerDuty, the routing key.
    package var secretEnvironment: String?
    /// Allows plain `http://` to a host other than the loopback interface.
    package var allowInsecure: Bool
    /// Alerts below this severity are not sent to this receiver.
    package var minimumSeverity: AlertSeverity
    /// Bound on one attempt, connection included.
    package var timeoutSeconds: Int
}

/// The `alerts` section of a job: which breach-risk rules run, how often they repeat and
/// where notifications go. Every rule is on by default.
package struct AlertSettings: Sendable, Equatable {
    /// `critical_violation`: any violation of a critical consent rule.
    package var criticalViolations = true
    /// `tier_violation_rate`: a tier's violations per 1,000 checked uses above this.
    package var tierViolationsPer1000: Double? = 5
    /// `violation_rise`: violations up by more than this percentage over the previous period…
    package var risePercent: Double? = 50
    /// …and at least this many violations (so 1 → 2 is not a page).
    package var riseMinimumViolations: Int64 = 10
    /// `input_freshness`: hours an input's newest timestamp may lie before the period's end.
    package var freshnessHours: [InputKind: Double] = [.events: 48]
    /// `input_rejects`: a run stopped because an input's reject rate was above its limit.
    package var inputRejects = true
    /// `dead_mans_switch`: no successful run within this many periods (checked by `run --all-due`).
    package var deadMansPeriods: Int? = 2
    /// Seconds before a still-firing alert is sent again.
    package var repeatIntervalSeconds: Int64 = 86_400
    /// Consecutive runs without the condition before an alert resolves (the flap guard).
    package var resolveAfterRuns = 1
    /// Alerts listed in one notification; the rest are counted as truncated.
    package var maxAlertsPerNotification = 20
    package var receivers: [ReceiverSettings] = []

    package init() {}

    /// Reads the `alerts` member of a job, recording problems with their JSON path.
    static func read(_ cursor: JSONCursor) -> AlertSettings {
        var settings = AlertSettings()
        guard
            let members = cursor.object(allowed: [
                "rules", "repeat_interval", "resolve_after_runs", "max_alerts_per_notification", "receivers",
            ])
        else { return settings }
        if let rules = members["rules"]?.object(allowed: AlertRuleName.allCases.map(\.rawValue)) {
            /// `false` turns a rule off; an object sets its parameters.
            func section(_ name: AlertRuleName, allowed: [String]) -> [String: JSONCursor]?? {
                guard let member = rules[name.rawValue] else { return .some(nil) }
                if case .bool(let on) = member.value { return on ? .some([:]) : .none }
                return .some(member.object(allowed: allowed) ?? [:])
            }
            if let critical = rules[AlertRuleName.criticalViolation.rawValue] { settings.criticalViolations = critical.bool() ?? true }
            if let rejects = rules[AlertRuleName.inputRejects.rawValue] { settings.inputRejects = rejects.bool() ?? true }
            switch section(.tierViolationRate, allowed: ["per_1000_checked_uses"]) {
            case .none: settings.tierViolationsPer1000 = nil
            case .some(let values):
                if let limit = values?["per_1000_checked_uses"]?.number(in: 0...1000) { settings.tierViolationsPer1000 = limit }
            }
            switch section(.violationRise, allowed: ["percent", "min_violations"]) {
            case .none: settings.risePercent = nil
            case .some(let values):
                if let percent = values?["percent"]?.number(in: 0...1_000_000) { settings.risePercent = percent }
                if let minimum = values?["min_violations"]?.integer(in: 0...1_000_000_000) { settings.riseMinimumViolations = Int64(minimum) }
            }
            switch section(.inputFreshness, allowed: InputKind.allCases.map(\.rawValue)) {
            case .none: settings.freshnessHours = [:]
            case .some(let values):
                for (key, value) in values ?? [:] {
                    if let kind = InputKind(rawValue: key), let hours = value.number(in: 0...100_000) { settings.freshnessHours[kind] = hours }
                }
            }
            switch section(.deadMansSwitch, allowed: ["periods"]) {
            case .none: settings.deadMansPeriods = nil
            case .some(let values):
                if let periods = values?["periods"]?.integer(in: 1...1000) { settings.deadMansPeriods = periods }
            }
        }
        if let member = members["repeat_interval"], let text = member.string() {
            if let seconds = Self.duration(text), seconds > 0 {
                settings.repeatIntervalSeconds = seconds
            } else {
                member.problem("expected a duration such as \"30m\", \"24h\" or \"7d\", found \"\(text)\"")
            }
        }
        if let n = members["resolve_after_runs"]?.integer(in: 1...100) { settings.resolveAfterRuns = n }
        if let n = members["max_alerts_per_notification"]?.integer(in: 1...1000) { settings.maxAlertsPerNotification = n }
        var names: Set<String> = []
        for item in members["receivers"]?.array() ?? [] {
            guard let receiver = readReceiver(item) else { continue }
            if !names.insert(receiver.name).inserted { item.problem("another receiver is already named \"\(receiver.name)\"") }
            settings.receivers.append(receiver)
        }
        return settings
    }

    private static func readReceiver(_ cursor: JSONCursor) -> ReceiverSettings? {
        guard
            let members = cursor.object(allowed: [
                "name", "type", "url", "url_env", "secret_env", "allow_insecure", "min_severity", "timeout_seconds",
            ])
        else { return nil }
        guard let typeMember = members["type"] else {
            cursor.problem("missing key \"type\"")
            return nil
        }
        guard let kind = typeMember.choice(ReceiverKind.allCases.filter { $0 != .email }.map(\.rawValue)).flatMap(ReceiverKind.init(rawValue:)) else { return nil }
        let name = members["name"]?.string() ?? kind.rawValue
        if !JobDefinition.isValidID(name) { members["name"]?.problem("expected lower-case letters, digits, '-', '_' or '.'") }
        let url = members["url"]?.string()
        let urlEnvironment = members["url_env"]?.string()
        if (url == nil) == (urlEnvironment == nil) {
            cursor.problem("expected exactly one of \"url\" or \"url_env\" (the name of an environment variable holding the URL)")
        }
        let allowInsecure = members["allow_insecure"]?.bool() ?? false
        if let url, let member = members["url"], let problem = ReceiverURL.problem(url, allowInsecure: allowInsecure) {
            member.problem(problem)
        }
        let secret = members["secret_env"]?.string()
        if secret == nil && (kind == .webhook || kind == .pagerduty) {
            cursor.problem(
                "missing key \"secret_env\" (the environment variable holding the \(kind == .webhook ? "whsec_ signing secret" : "PagerDuty routing key"))")
        }
        let minimum = members["min_severity"]?.choice(AlertSeverity.allCases.map(\.name)).flatMap(AlertSeverity.init(name:))
        return ReceiverSettings(
            name: name, kind: kind, url: url, urlEnvironment: urlEnvironment, secretEnvironment: secret,
            allowInsecure: allowInsecure, minimumSeverity: minimum ?? .warning,
            timeoutSeconds: members["timeout_seconds"]?.integer(in: 1...120) ?? 10)
    }

    /// Seconds in a duration such as `90s`, `30m`, `24h` or `7d`.
    package static func duration(_ text: String) -> Int64? {
        guard let unit = text.last, let number = Int64(text.dropLast()), number >= 0 else { return nil }
        let scale: Int64? =
            switch unit {
            case "s": 1
            case "m": 60
            case "h": 3600
            case "d": 86_400
            default: nil
            }
        guard let scale, number <= Int64.max / scale / 1000 else { return nil }
        return number * scale
    }
}

/// The URL rule for receivers: HTTPS, or plain HTTP only to the loopback interface
/// unless the job explicitly allows it.
package enum ReceiverURL {
    /// Why `url` may not be used, or nil when it may.
    package static func problem(_ url: String, allowInsecure: Bool) -> String? {
        let lower = url.lowercased()
        if lower.hasPrefix("https://") { return nil }
        guard lower.hasPrefix("http://") else { return "expected an https:// URL" }
        if allowInsecure || isLoopback(url) { return nil }
        return "plain http:// is allowed only to 127.0.0.1, ::1 or localhost, or with \"allow_insecure\": true"
    }

    private static func isLoopback(_ url: String) -> Bool {
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        // Credentials would hide the real host; a loopback URL has no reason to carry them.
        guard !authority.contains("@") else { return false }
        let host: Substring
        if authority.hasPrefix("[") {
            host = authority.prefix { $0 != "]" }.dropFirst()
        } else {
            host = authority.prefix { $0 != ":" }
        }
        let name = host.lowercased()
        return name == "localhost" || name == "::1" || name.hasPrefix("127.") && name.split(separator: ".").count == 4
            && name.split(separator: ".").allSatisfy { UInt8($0) != nil }
    }
}
