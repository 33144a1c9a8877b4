/// What happened to an alert in one evaluation, as receivers are told.
package enum AlertEventKind: String, Sendable {
    /// Found for the first time (or the first time outside a silence).
    case firing
    /// Still found after the job's `repeat_interval` and not acknowledged.
    case `repeat`
    /// No longer found (after the flap guard's number of runs).
    case resolved
}

package struct AlertEvent: Sendable {
    package var alert: AlertRecord
    package var kind: AlertEventKind
}

/// Applies an evaluation to the alert history and queues notifications, in one transaction.
///
/// The lifecycle follows Alertmanager: an alert fires once, repeats only after
/// `repeat_interval` (when a run of a period not yet evaluated still finds it), and resolves
/// exactly once when a run of the same or a later period no longer finds it (after
/// `resolve_after_runs` such runs). A rerun of a period in which an alert was already found
/// never fires or repeats it. Notifications go to the outbox in the
/// same commit as the state change, so a crash can repeat a send but never lose one.
package struct AlertLifecycle {
    package let store: StateStore
    package let job: JobDefinition
    package let context: RunContext

    package init(store: StateStore, job: JobDefinition, context: RunContext) {
        self.store = store
        self.job = job
        self.context = context
    }

    /// Returns the events and the outbox ids queued for them.
    @discardableResult
    package func apply(_ evaluation: AlertEvaluation) throws(TierwatchError) -> (events: [AlertEvent], outbox: [Int64]) {
        let now = context.now
        let settings = job.alerts
        let silences = try store.silences(activeAt: now)
        let result: ([AlertEvent], [Int64]) = try store.alertTransaction {
            var events: [AlertEvent] = []
            var found: Set<String> = []
            for candidate in evaluation.candidates {
                let fingerprint = candidate.fingerprint
                found.insert(fingerprint)
                let silenced = silences.contains { $0.matches(candidate.labels) }
                let rerun = try store.seen(fingerprint: fingerprint, periodLabel: evaluation.periodLabel)
                if let existing = try store.firingAlert(fingerprint: fingerprint) {
                    if !rerun {
                        try store.refresh(existing.id, with: candidate, links: evaluation.links, periodEnd: evaluation.periodEnd, at: now)
                    }
                    try store.markSeen(fingerprint: fingerprint, periodLabel: evaluation.periodLabel, alertID: existing.id)
                    guard !silenced else { continue }
                    if let last = existing.lastNotifiedAt {
                        // Repeats come from new evaluations; rerunning a period re-pages nothing.
                        guard existing.ackedAt == nil, !rerun, now - last >= settings.repeatIntervalSeconds * 1000 else { continue }
                        try store.markNotified(existing.id, at: now)
                        events.append(AlertEvent(alert: try store.reloadAlert(existing.id)!, kind: .repeat))
                    } else {
                        try store.markNotified(existing.id, at: now)
                        events.append(AlertEvent(alert: try store.reloadAlert(existing.id)!, kind: .firing))
                    }
                } else {
                    // Already raised for this period (and since resolved): a rerun re-pages nothing.
                    if rerun { continue }
                    let record = try store.insertAlert(candidate, links: evaluation.links, periodEnd: evaluation.periodEnd, at: now)
                    try store.markSeen(fingerprint: fingerprint, periodLabel: evaluation.periodLabel, alertID: record.id)
                    guard !silenced else { continue }
                    try store.markNotified(record.id, at: now)
                    events.append(AlertEvent(alert: try store.reloadAlert(record.id)!, kind: .firing))
                }
            }
            for alert in try store.firingAlerts(jobID: evaluation.jobID)
            where evaluation.evaluatedRules.contains(alert.rule) && !found.contains(alert.fingerprint) {
                // An older period says nothing about now; the dead-man's switch is about now only.
                if alert.rule != AlertRuleName.deadMansSwitch.rawValue && evaluation.periodEnd < alert.lastPeriodEnd { continue }
                // One period counts once towards the flap guard, however often it is rerun.
                if alert.lastMissingPeriod == evaluation.periodLabel { continue }
                try store.markMissing(alert.id, periodLabel: evaluation.periodLabel)
                guard alert.missingRuns + 1 >= settings.resolveAfterRuns else { continue }
                try store.markResolved(alert.id, at: now)
                // Resolved is sent only for what was sent as firing (silenced-only alerts stay quiet).
                if alert.lastNotifiedAt != nil {
                    events.append(AlertEvent(alert: try store.reloadAlert(alert.id)!, kind: .resolved))
                }
            }
            let outbox = try queue(events, evaluation: evaluation)
            return (events, outbox)
        }
        TestHooks.crashIfAsked("outbox-write", environment: context.environment)
        return result
    }

    /// Groups the events per receiver (capped) and writes the notifications to the outbox.
    private func queue(_ events: [AlertEvent], evaluation: AlertEvaluation) throws -> [Int64] {
        guard !events.isEmpty else { return [] }
        var ids: [Int64] = []
        for receiver in job.alerts.receivers {
            // The same threshold for firing and resolved: a receiver hears the end of what it heard begin.
            let selected = events.filter { $0.alert.severity >= receiver.minimumSeverity }
            guard !selected.isEmpty else { continue }
            let ordered = selected.sorted { ($1.alert.severity, $0.alert.id) < ($0.alert.severity, $1.alert.id) }
            if receiver.kind == .pagerduty {
                // Events API v2 takes one event per request, deduplicated by dedup_key.
                for event in ordered {
                    let content = NotificationContent(job: job, evaluation: evaluation, receiver: receiver.name, events: [event], truncated: 0)
                    ids.append(
                        try store.enqueue(
                            receiver: receiver, jobID: job.id, body: PagerDutyFormat.body(content), summary: content.headline,
                            alerts: [(event.alert.id, event.kind.rawValue)], at: context.now))
                }
                continue
            }
            let cap = job.alerts.maxAlertsPerNotification
            let shown = Array(ordered.prefix(cap))
            let content = NotificationContent(
                job: job, evaluation: evaluation, receiver: receiver.name, events: shown, truncated: ordered.count - shown.count)
            ids.append(
                try store.enqueue(
                    receiver: receiver, jobID: job.id, body: content.body(for: receiver.kind), summary: content.headline,
                    alerts: ordered.map { ($0.alert.id, $0.kind.rawValue) }, at: context.now))
        }
        return ids
    }
}
