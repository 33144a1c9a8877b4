/// A PagerDuty Events API v2 event: `trigger` for firing and repeats (deduplicated by
/// `dedup_key`, the alert's fingerprint), `resolve` for resolutions. The `routing_key` is a
/// secret and is added at send time, never stored. See
/// https://developer.pagerduty.com/docs/events-api-v2/trigger-events/
enum PagerDutyFormat {
    static func body(_ content: NotificationContent) -> String {
        guard let event = content.events.first else { return "{}" }
        let alert = event.alert
        if event.kind == .resolved {
            return JSONText.object([("event_action", .string("resolve")), ("dedup_key", .string(alert.fingerprint))]).rendered
        }
        var details: [(String, JSONText)] = alert.labels.keys.sorted().map { ($0, .string(alert.labels[$0]!)) }
        details += alert.figures.map { ($0.0, .string($0.1)) }
        if let deadline = NotificationContent.notifyAuthorityBy(alert) { details.append(("notify_authority_by", .string(deadline))) }
        details.append(("compliance_report", .string(alert.links.complianceReport)))
        details.append(("evidence_csv", .string(alert.links.evidenceCSV)))
        var members: [(String, JSONText)] = [
            ("event_action", .string("trigger")),
            ("dedup_key", .string(alert.fingerprint)),
            ("payload", .object([
                ("summary", .string(String(alert.summary.prefix(1024)))),
                ("source", .string("tierwatch/" + alert.jobID)),
                ("severity", .string(severity(alert.severity))),
                ("timestamp", .string(NotificationContent.time(alert.startedAt))),
                ("component", .string(alert.jobID)),
                ("group", .string(alert.rule)),
                ("class", .string(alert.labels["violation_rule"] ?? alert.rule)),
                ("custom_details", .object(details)),
            ])),
        ]
        if NotificationContent.isURL(alert.links.complianceReport) {
            members.append(("links", .array([
                .object([("href", .string(alert.links.complianceReport)), ("text", .string("Compliance report"))]),
                .object([("href", .string(alert.links.evidenceCSV)), ("text", .string("Evidence CSV"))]),
            ])))
        }
        return JSONText.object(members).rendered
    }

    /// PagerDuty's severities are critical, error, warning and info.
    static func severity(_ severity: AlertSeverity) -> String {
        switch severity {
        case .critical: "critical"
        case .high: "error"
        case .warning: "warning"
        }
    }

    /// The stored body with the routing key as its first member.
    static func withRoutingKey(_ body: String, key: String) -> String {
        "{\"routing_key\":" + JSONText.string(key).rendered + "," + body.dropFirst()
    }
}
