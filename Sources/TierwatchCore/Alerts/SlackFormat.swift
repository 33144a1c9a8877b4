/// A Slack incoming-webhook message: `text` (the notification fallback) and Block Kit
/// `blocks`. See https://api.slack.com/messaging/webhooks and
/// https://api.slack.com/reference/surfaces/formatting#escaping
enum SlackFormat {
    static func body(_ content: NotificationContent) -> String {
        var blocks: [JSONText] = [
            .object([
                ("type", .string("header")),
                ("text", .object([("type", .string("plain_text")), ("text", .string(String(content.headline.prefix(150))))])),
            ])
        ]
        for event in content.events {
            let alert = event.alert
            var text = "*\(escape(event.kind.rawValue.uppercased()))* \(escape(alert.severity.name)): \(escape(alert.summary))"
            if event.kind != .resolved, let deadline = NotificationContent.notifyAuthorityBy(alert) {
                text += "\nGDPR Art. 33: notify the supervisory authority by \(deadline) unless the breach is unlikely to result in a risk."
            }
            if NotificationContent.isURL(alert.links.complianceReport) {
                text += "\n<\(alert.links.complianceReport)|Compliance report> · <\(alert.links.evidenceCSV)|Evidence CSV>"
            } else {
                text += "\nReport: `\(escape(alert.links.complianceReport))`"
            }
            blocks.append(.object([
                ("type", .string("section")), ("text", .object([("type", .string("mrkdwn")), ("text", .string(String(text.prefix(3000))))])),
            ]))
        }
        if content.truncated > 0 {
            blocks.append(.object([
                ("type", .string("context")),
                ("elements", .array([.object([("type", .string("mrkdwn")), ("text", .string("and \(content.truncated) more alerts"))])])),
            ]))
        }
        return JSONText.object([("text", .string(escape(content.headline))), ("blocks", .array(blocks))]).rendered
    }

    /// Slack's three control characters in message text.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.append(character)
            }
        }
        return out
    }
}
