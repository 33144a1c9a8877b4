/// Tierwatch's own notification envelope (`type: tierwatch.alerts`, `version: 1`), sent to
/// `webhook` receivers and signed per the Standard Webhooks spec at send time.
enum WebhookFormat {
    static func body(_ content: NotificationContent) -> String {
        JSONText.object([
            ("type", .string("tierwatch.alerts")),
            ("version", .number("1")),
            ("job", .string(content.jobID)),
            ("title", .string(content.title)),
            ("period", .string(content.periodLabel)),
            ("run", content.runNumber.map { .number(String($0)) } ?? .null),
            ("status", .string(content.status)),
            ("receiver", .string(content.receiver)),
            ("alerts", .array(content.events.map(alert))),
            ("truncated_alerts", .number(String(content.truncated))),
        ]).rendered
    }

    static func alert(_ event: AlertEvent) -> JSONText {
        let alert = event.alert
        return .object([
            ("id", .number(String(alert.id))),
            ("fingerprint", .string(alert.fingerprint)),
            ("event", .string(event.kind.rawValue)),
            ("status", .string(alert.status)),
            ("severity", .string(alert.severity.name)),
            ("labels", .labels(alert.labels)),
            ("summary", .string(alert.summary)),
            ("figures", .object(alert.figures.map { ($0.0, .string($0.1)) })),
            ("starts_at", .string(NotificationContent.time(alert.startedAt))),
            ("ends_at", alert.resolvedAt.map { .string(NotificationContent.time($0)) } ?? .null),
            ("notify_authority_by", NotificationContent.notifyAuthorityBy(alert).map { .string($0) } ?? .null),
            ("acknowledged_by", alert.ackedBy.map { .string($0) } ?? .null),
            ("links", .object([
                ("compliance_report", .string(alert.links.complianceReport)), ("evidence_csv", .string(alert.links.evidenceCSV)),
            ])),
        ])
    }
}
