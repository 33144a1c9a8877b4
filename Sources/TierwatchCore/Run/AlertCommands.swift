/// What `tierwatch alerts ...` asks for.
package enum AlertsAction: Sendable, Equatable {
    case list
    case ack(id: Int64, by: String, reason: String)
    case silence(matchers: [String: String], until: String, by: String, reason: String)
    case history

    static func parse(_ rest: [String], options: [String: String], matches: [String]) throws(TierwatchError) -> AlertsAction {
        switch rest.first {
        case nil:
            return .list
        case "history":
            guard rest.count == 1 else { throw TierwatchError(.usage, "alerts history takes no arguments") }
            return .history
        case "ack":
            guard rest.count == 2, let id = Int64(rest[1]) else { throw TierwatchError(.usage, "alerts ack needs one alert number (see tierwatch alerts)") }
            guard let by = options["--by"], !by.isEmpty, let reason = options["--reason"], !reason.isEmpty else {
                throw TierwatchError(.usage, "alerts ack needs --by WHO and --reason WHY (kept as evidence)")
            }
            return .ack(id: id, by: by, reason: reason)
        case "silence":
            guard rest.count == 1 else { throw TierwatchError(.usage, "alerts silence takes no arguments besides its options") }
            guard !matches.isEmpty else { throw TierwatchError(.usage, "alerts silence needs at least one --match label=value") }
            var matchers: [String: String] = [:]
            for match in matches {
                guard let equals = match.firstIndex(of: "="), equals != match.startIndex else {
                    throw TierwatchError(.usage, "--match expects label=value, found \(match)")
                }
                matchers[String(match[..<equals])] = String(match[match.index(after: equals)...])
            }
            guard let until = options["--until"] else { throw TierwatchError(.usage, "alerts silence needs --until TIME (ISO-8601)") }
            return .silence(matchers: matchers, until: until, by: options["--by"] ?? "", reason: options["--reason"] ?? "")
        case let other?:
            throw TierwatchError(.usage, "unknown alerts command \"\(other)\" (expected ack, silence or history)")
        }
    }
}

/// The alert and delivery commands, and the alert steps of `run`.
package struct AlertCommands {
    package let context: RunContext

    package init(context: RunContext) { self.context = context }

    package func alerts(_ action: AlertsAction) throws(TierwatchError) -> Int32 {
        let store = try StateStore(path: context.statePath)
        switch action {
        case .list:
            // Firing, and resolved within the last 7 days.
            context.output(table(try store.listAlerts(resolvedSince: context.now - 7 * 86_400_000)))
        case .history:
            var text = "ALERTS\n" + table(try store.listAlerts(resolvedSince: nil))
            var silences = ["ID\tMATCH\tUNTIL (UTC)\tBY\tREASON"]
            for silence in try store.silences(activeAt: nil) {
                let match = silence.matchers.keys.sorted().map { "\($0)=\(silence.matchers[$0]!)" }.joined(separator: ",")
                silences.append("\(silence.id)\t\(match)\t\(CivilCalendar.utcString(silence.until))\t\(silence.createdBy)\t\(silence.reason)")
            }
            text += "\n\nSILENCES\n" + Table.align(silences)
            var sent = ["ID\tWEBHOOK-ID\tJOB\tRECEIVER\tSTATUS\tATTEMPTS\tLAST\tCREATED (UTC)\tSUMMARY"]
            for n in try store.notifications(limit: 200) {
                sent.append(
                    "\(n.id)\t\(n.webhookID)\t\(n.jobID)\t\(n.receiver)\t\(n.status)\t\(n.attempts)\t\(n.lastStatus.map(String.init) ?? "-")\t\(CivilCalendar.utcString(n.createdAt))\t\(n.summary)")
            }
            text += "\n\nNOTIFICATIONS\n" + Table.align(sent)
            context.output(text)
        case .ack(let id, let by, let reason):
            guard let alert = try store.acknowledge(alertID: id, by: by, reason: reason, at: context.now) else {
                throw TierwatchError(.usage, "no alert \(id) (see tierwatch alerts)")
            }
            if !context.quiet { context.output("alert \(id) acknowledged by \(by): no more repeats; its resolution will still be sent (\(alert.summary))") }
        case .silence(let matchers, let untilText, let by, let reason):
            guard let until = Array(untilText.utf8).withUnsafeBytes({ FieldParsers.instant($0) }) else {
                throw TierwatchError(.usage, "--until expects an ISO-8601 instant such as 2026-11-30T00:00:00Z, found \(untilText)")
            }
            guard until > context.now else { throw TierwatchError(.usage, "--until \(untilText) is not in the future") }
            let id = try store.addSilence(matchers: matchers, until: until, by: by, reason: reason, at: context.now)
            if !context.quiet { context.output("silence \(id) until \(CivilCalendar.utcString(until))") }
        }
        return 0
    }

    private func table(_ alerts: [AlertRecord]) -> String {
        var lines = ["ID\tSTATUS\tSEVERITY\tJOB\tRULE\tSINCE (UTC)\tRESOLVED (UTC)\tACK\tSUMMARY"]
        for a in alerts {
            lines.append(
                "\(a.id)\t\(a.status)\t\(a.severity.name)\t\(a.jobID)\t\(a.rule)\t\(CivilCalendar.utcString(a.startedAt))\t\(a.resolvedAt.map(CivilCalendar.utcString) ?? "-")\t\(a.ackedBy.map { "\($0): \(a.ackedReason ?? "")" } ?? "-")\t\(a.summary)")
        }
        return Table.align(lines)
    }

    /// `deliver`: sends what is due; `deliver --replay ID`: resends one notification now.
    ///
    /// Quiet on success. A notification given up (attempts exhausted, 410, a refused URL)
    /// is reported on stderr and makes the exit status 75.
    package func deliver(replay: String?) throws(TierwatchError) -> Int32 {
        let store = try StateStore(path: context.statePath)
        let delivery = AlertDelivery(store: store, context: context)
        if let replay {
            guard let notification = try store.notification(replay) else {
                throw TierwatchError(.usage, "no notification \"\(replay)\" (see tierwatch alerts history)")
            }
            let outcome = try delivery.replay(notification)
            guard outcome.status == "delivered" else {
                throw TierwatchError(.locked, "notification \(notification.id) to \(notification.receiver) was not delivered: \(outcome.error)")
            }
            if !context.quiet { context.output("notification \(notification.id) (\(notification.webhookID)) delivered to \(notification.receiver)") }
            return 0
        }
        return report(try delivery.deliverDue())
    }

    /// The delivery step of `run`: errors are reported, never change the run's exit status
    /// (the run itself succeeded; what was not sent stays in the outbox for `deliver`).
    /// After a run that failed, a state database that cannot be opened is not reported
    /// again: the run's own error, printed next, already names it (a full or read-only disk).
    package func deliverAfterRun(afterFailure: Bool = false) {
        let store: StateStore
        do throws(TierwatchError) {
            store = try StateStore(path: context.statePath)
        } catch {
            if !afterFailure { context.errorOutput("tierwatch: delivering alerts: \(error)") }
            return
        }
        do throws(TierwatchError) {
            _ = report(try AlertDelivery(store: store, context: context).deliverDue())
        } catch {
            context.errorOutput("tierwatch: delivering alerts: \(error)")
        }
    }

    private func report(_ outcomes: [AlertDelivery.Outcome]) -> Int32 {
        var status: Int32 = 0
        for outcome in outcomes where outcome.status == "failed" || outcome.status == "disabled" {
            let n = outcome.notification
            context.errorOutput("tierwatch: notification \(n.id) (\(n.webhookID)) to receiver \(n.receiver) of \(n.jobID) \(outcome.status): \(outcome.error)")
            status = TierwatchError.Code.locked.exitStatus
        }
        return status
    }

    /// The dead-man's switch of one job, as `run --all-due` checks it.
    package func checkDeadMan(_ job: JobDefinition, store: StateStore) throws(TierwatchError) {
        guard job.alerts.deadMansPeriods != nil, job.schedule != nil else { return }
        let calendar: PeriodCalendar
        do throws(PeriodError) {
            calendar = try PeriodCalendar(timeZoneIdentifier: job.timeZone)
        } catch {
            throw TierwatchError(.badJob, "\(job.file): \(error)")
        }
        let period = calendar.lastComplete(job.period, asOf: context.now)
        let times = try store.runTimes(jobID: job.id)
        let links = AlertLinks.make(job: job, periodLabel: period.label, reportFolder: context.reportsDirectory + "/" + job.id + "/" + period.label)
        let evaluation = AlertRules.deadMansSwitch(
            job: job, now: context.now, lastSuccess: times.lastSuccess, firstRun: times.firstRun, checkPeriod: period, links: links)
        try AlertLifecycle(store: store, job: job, context: context).apply(evaluation)
    }
}
