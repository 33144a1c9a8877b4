/// A Microsoft Teams message for a Workflows ("When a Teams webhook request is received")
/// webhook: one Adaptive Card attachment. See
/// https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#send-adaptive-cards-using-an-incoming-webhook
enum TeamsFormat {
    static func body(_ content: NotificationContent) -> String {
        var cardBody: [JSONText] = [
            .object([
                ("type", .string("TextBlock")), ("text", .string(content.headline)), ("weight", .string("Bolder")),
                ("size", .string("Medium")), ("wrap", .bool(true)),
            ])
        ]
        for event in content.events {
            let alert = event.alert
            var facts: [JSONText] = [
                fact("Status", event.kind.rawValue), fact("Severity", alert.severity.name),
                fact("Detected", NotificationContent.time(alert.startedAt)),
            ]
            if event.kind != .resolved, let deadline = NotificationContent.notifyAuthorityBy(alert) {
                facts.append(fact("Notify authority by (GDPR Art. 33)", deadline))
            }
            facts.append(fact("Compliance report", alert.links.complianceReport))
            cardBody.append(.object([
                ("type", .string("TextBlock")), ("text", .string(alert.summary)), ("wrap", .bool(true)),
                ("color", .string(alert.severity == .critical && event.kind != .resolved ? "Attention" : "Default")),
            ]))
            cardBody.append(.object([("type", .string("FactSet")), ("facts", .array(facts))]))
        }
        if content.truncated > 0 {
            cardBody.append(.object([
                ("type", .string("TextBlock")), ("text", .string("and \(content.truncated) more alerts")), ("isSubtle", .bool(true)),
            ]))
        }
        var card: [(String, JSONText)] = [
            ("$schema", .string("http://adaptivecards.io/schemas/adaptive-card.json")), ("type", .string("AdaptiveCard")),
            ("version", .string("1.4")), ("body", .array(cardBody)),
        ]
        if NotificationContent.isURL(content.links.complianceReport) {
            card.append(("actions", .array([
                .object([("type", .string("Action.OpenUrl")), ("title", .string("Compliance report")), ("url", .string(content.links.complianceReport))]),
                .object([("type", .string("Action.OpenUrl")), ("title", .string("Evidence CSV")), ("url", .string(content.links.evidenceCSV))]),
            ])))
        }
        return JSONText.object([
            ("type", .string("message")),
            ("attachments", .array([
                .object([
                    ("contentType", .string("application/vnd.microsoft.card.adaptive")), ("contentUrl", .null),
                    ("content", .object(card)),
                ])
            ])),
        ]).rendered
    }

    private static func fact(_ title: String, _ value: String) -> JSONText {
        .object([("title", .string(title)), ("value", .string(value))])
    }
}
