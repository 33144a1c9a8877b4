/// What one notification to one receiver says: the events of one evaluation, capped.
package struct NotificationContent: Sendable {
    package var jobID: String
    package var title: String
    package var periodLabel: String
    package var runNumber: Int64?
    package var receiver: String
    package var events: [AlertEvent]
    /// Events left out by the cap (`max_alerts_per_notification`).
    package var truncated: Int
    package var links: AlertLinks
    package var reportBaseURL: String?

    package init(job: JobDefinition, evaluation: AlertEvaluation, receiver: String, events: [AlertEvent], truncated: Int) {
        jobID = job.id
        title = job.title
        periodLabel = evaluation.periodLabel
        runNumber = evaluation.runNumber
        self.receiver = receiver
        self.events = events
        self.truncated = truncated
        links = evaluation.links
        reportBaseURL = job.reportBaseURL
    }

    /// `firing` when anything in it fires or repeats, else `resolved`.
    package var status: String { events.contains { $0.kind != .resolved } ? "firing" : "resolved" }

    /// One line: counts by event, job and period.
    package var headline: String {
        let firing = events.filter { $0.kind != .resolved }.count + (status == "firing" ? truncated : 0)
        let resolved = events.count - events.filter { $0.kind != .resolved }.count + (status == "resolved" ? truncated : 0)
        var parts: [String] = []
        if firing > 0 { parts.append("\(firing) firing") }
        if resolved > 0 { parts.append("\(resolved) resolved") }
        return "Tierwatch \(jobID) \(periodLabel): \(parts.joined(separator: ", "))"
    }

    package func body(for kind: ReceiverKind) -> String {
        switch kind {
        case .webhook: WebhookFormat.body(self)
        case .slack: SlackFormat.body(self)
        case .teams: TeamsFormat.body(self)
        case .pagerduty: PagerDutyFormat.body(self)
        case .alertmanager: AlertmanagerFormat.body(self)
        // Alerts are never mailed (a report is, see Mail/); the webhook envelope is the fallback.
        case .email: WebhookFormat.body(self)
        }
    }

    /// GDPR Art. 33: a personal data breach is notified to the authority within 72 hours
    /// of becoming aware of it; critical alerts carry that deadline from their detection.
    static func notifyAuthorityBy(_ alert: AlertRecord) -> String? {
        alert.severity == .critical ? CivilCalendar.utcString(alert.startedAt + 72 * 3_600_000) : nil
    }

    static func time(_ millis: Int64) -> String { CivilCalendar.utcString(millis) }

    /// Whether a link can be followed by a receiver (a URL, not a local path).
    static func isURL(_ text: String) -> Bool { text.hasPrefix("https://") || text.hasPrefix("http://") }
}
