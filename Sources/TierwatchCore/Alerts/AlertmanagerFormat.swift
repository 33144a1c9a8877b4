/// The Alertmanager webhook payload (`version: "4"`), so receivers written for
/// Alertmanager can take Tierwatch's alerts unchanged. See
/// https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
enum AlertmanagerFormat {
    /// Alertmanager's zero time, sent as `endsAt` of alerts still firing.
    static let zeroTime = "0001-01-01T00:00:00Z"

    static func body(_ content: NotificationContent) -> String {
        let labelSets = content.events.map { labels($0.alert) }
        let annotationSets = content.events.map { annotations($0.alert) }
        let base = content.reportBaseURL ?? ""
        return JSONText.object([
            ("version", .string("4")),
            ("groupKey", .string("{}:{job=\"\(content.jobID)\"}")),
            ("truncatedAlerts", .number(String(content.truncated))),
            ("status", .string(content.status)),
            ("receiver", .string(content.receiver)),
            ("groupLabels", .labels(["job": content.jobID])),
            ("commonLabels", .labels(common(labelSets))),
            ("commonAnnotations", .labels(common(annotationSets))),
            ("externalURL", .string(base)),
            ("alerts", .array(zip(content.events, zip(labelSets, annotationSets)).map { event, sets in
                .object([
                    ("status", .string(event.kind == .resolved ? "resolved" : "firing")),
                    ("labels", .labels(sets.0)),
                    ("annotations", .labels(sets.1)),
                    ("startsAt", .string(NotificationContent.time(event.alert.startedAt))),
                    ("endsAt", .string(event.alert.resolvedAt.map(NotificationContent.time) ?? zeroTime)),
                    ("generatorURL", .string(event.alert.links.complianceReport)),
                    ("fingerprint", .string(event.alert.fingerprint)),
                ])
            })),
        ]).rendered
    }

    static func labels(_ alert: AlertRecord) -> [String: String] {
        var labels = alert.labels
        labels["alertname"] = alert.rule
        labels["severity"] = alert.severity.name
        return labels
    }

    static func annotations(_ alert: AlertRecord) -> [String: String] {
        var annotations = ["summary": alert.summary, "evidence_csv": alert.links.evidenceCSV]
        if let deadline = NotificationContent.notifyAuthorityBy(alert) { annotations["notify_authority_by"] = deadline }
        for (key, value) in alert.figures { annotations[key] = value }
        return annotations
    }

    /// The pairs every set shares, as Alertmanager's `commonLabels` are.
    static func common(_ sets: [[String: String]]) -> [String: String] {
        guard var shared = sets.first else { return [:] }
        for set in sets.dropFirst() { shared = shared.filter { set[$0.key] == $0.value } }
        return shared
    }
}
