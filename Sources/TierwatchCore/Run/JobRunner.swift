import Synchronization

/// Says "the pseudonym key is unset" once per process, not once per run of a batch.
enum PseudonymKeyWarning {
    private static let shown = Mutex<Set<String>>([])

    static func first(_ variable: String) -> Bool {
        shown.withLock { $0.insert(variable).inserted }
    }
}

/// How one run ended.
package struct RunOutcome: Sendable {
    package var status: RunStatus
    package var runNumber: Int64
    package var runID: String
    package var reportFolder: String
    package var summary: String
}

/// Runs one job for one period, end to end: lock, read, check, write, publish, record.
///
/// Every step that can be interrupted leaves the previous state usable: reports are built
/// in a staging folder and renamed into place, the run is recorded as `running` before
/// work starts (and marked `error` by the next run if this process dies), and the lock is
/// a flock(2) the kernel releases with the process.
package struct JobRunner {
    package let context: RunContext

    package init(context: RunContext) { self.context = context }

    /// Records and publishes a run whose figures `compute` makes in the staging folder
    /// (`tierwatch merge`: from the partials of a sharded run). The reports name the shards.
    package func run(
        _ job: JobDefinition, period: ReportPeriod, trigger: String, shards: Int,
        compute: (String) throws(TierwatchError) -> RunFigures
    ) throws(TierwatchError) -> RunOutcome {
        let (lock, store, publisher, number, staging) = try begin(job, period: period, trigger: trigger)
        defer { withExtendedLifetime(lock) {} }
        do throws(TierwatchError) {
            let figures = try compute(staging)
            return try finish(
                job, period, figures, number: number, staging: staging, store: store, publisher: publisher, beforePublishing: {},
                shards: shards)
        } catch {
            try? FileTree.remove(staging)
            try? store.finish(
                number: number, runID: "", status: .error, exitCode: error.code.exitStatus, message: error.description,
                reportPath: "", at: context.now, inputs: [], tiers: [], ruleCounts: [])
            throw error
        }
    }

    /// Takes the job's lock, marks killed runs, restores a half-published folder, records
    /// the run as started and makes its staging folder.
    private func begin(
        _ job: JobDefinition, period: ReportPeriod, trigger: String
    ) throws(TierwatchError) -> (JobLock, StateStore, ReportPublisher, Int64, String) {
        let lock = try JobLock(path: context.lockDirectory + "/\(job.id).lock", jobID: job.id)
        let store = try StateStore(path: context.statePath)
        try store.markInterrupted(jobID: job.id, at: context.now)
        let publisher = ReportPublisher(reportsRoot: context.reportsDirectory, jobID: job.id)
        try publisher.recover()
        let number = try store.begin(jobID: job.id, period: period, trigger: trigger, at: context.now)
        return (lock, store, publisher, number, try publisher.makeStaging(runNonce: String(number)))
    }

    /// The files of every input the job names (remote ones fetched or read from the cache).
    package func resolveInputs(_ job: JobDefinition, period: ReportPeriod) throws(TierwatchError) -> [InputKind: [ResolvedFile]] {
        var files: [InputKind: [ResolvedFile]] = [:]
        let fetcher = SourceFetcher(context: context, job: job, period: period)
        for kind in InputKind.allCases {
            if let spec = job.inputs[kind] { files[kind] = try fetcher.resolve(spec, kind: kind) }
        }
        return files
    }

    /// Reads the inputs and computes the figures (of one shard's subjects, with `shard`).
    package func compute(
        _ job: JobDefinition, period: ReportPeriod, files: [InputKind: [ResolvedFile]], key: String?, rejects: RejectLog,
        violations: ViolationLog, workDirectory: String, shard: ShardSpec? = nil
    ) throws(TierwatchError) -> RunFigures {
        let engine = RunEngine(
            job: job, period: period, pseudonymizer: Pseudonymizer(key: key ?? Pseudonymizer.publishedKey),
            rejects: rejects, violations: violations, threads: context.threads,
            minimumPartBytes: context.minimumPartBytes, workDirectory: workDirectory, shard: shard)
        do {
            return try engine.run(files)
        } catch let error as TierwatchError {
            throw error
        } catch {
            throw TierwatchError(.internalError, "run failed", cause: error as? TierwatchError)
        }
    }

    /// The job's pseudonym key from the environment, warning once when it is unset.
    package func pseudonymKey(_ job: JobDefinition) -> String? {
        let key = context.environment[job.pseudonymKeyEnvironment].flatMap { $0.isEmpty ? nil : $0 }
        if key == nil && PseudonymKeyWarning.first(job.pseudonymKeyEnvironment) {
            context.errorOutput(
                "warning: \(job.pseudonymKeyEnvironment) is not set: subject pseudonyms use a published key, so anyone with a list of customer ids can reverse them. Set it to a long random secret.")
        }
        return key
    }

    package func run(_ job: JobDefinition, period: ReportPeriod, trigger: String) throws(TierwatchError) -> RunOutcome {
        let (lock, store, publisher, number, staging) = try begin(job, period: period, trigger: trigger)
        defer { withExtendedLifetime(lock) {} }
        var rejects: RejectLog?
        do throws(TierwatchError) {
            let files = try resolveInputs(job, period: period)
            let key = pseudonymKey(job)
            let rejectLog = try RejectLog(path: staging + "/rejected.csv", mode: job.csvMode(for: "rejected.csv"))
            rejects = rejectLog
            let violationLog = try ViolationLog(
                path: staging + "/violations.csv", evidenceLimit: job.evidenceRows, mode: job.csvMode(for: "violations.csv"))
            let figures = try compute(
                job, period: period, files: files, key: key, rejects: rejectLog, violations: violationLog, workDirectory: staging)
            try rejectLog.close()
            // violations.csv runs to tens of MB: syncing it is mostly waiting for the disk, which
            // goes on while the reports are written (it is done before they are published).
            let violationsSynced = InBackground { () throws(TierwatchError) in try violationLog.close() }
            return try finish(
                job, period, figures, number: number, staging: staging, store: store, publisher: publisher,
                beforePublishing: violationsSynced.wait)
        } catch {
            let message = error.description
            var folder = ""
            if error.code == .badData || error.code == .missingInput, let rejects {
                folder = (try? publishFailure(job, period, error, rejects: rejects, staging: staging, publisher: publisher)) ?? ""
            }
            try? FileTree.remove(staging)
            try? store.finish(
                number: number, runID: "", status: .error, exitCode: error.code.exitStatus, message: message,
                reportPath: folder, at: context.now, inputs: [], tiers: [], ruleCounts: [])
            if error.code == .badData {
                let links = AlertLinks.make(job: job, periodLabel: period.label + ".failed", reportFolder: folder)
                do throws(TierwatchError) {
                    try AlertLifecycle(store: store, job: job, context: context)
                        .apply(AlertRules.rejected(job: job, period: period, message: error.message, links: links))
                } catch let alertError {
                    context.errorOutput("tierwatch: \(job.id): cannot record the input_rejects alert: \(alertError)")
                }
            }
            throw error
        }
    }

    private func finish(
        _ job: JobDefinition, _ period: ReportPeriod, _ figures: RunFigures, number: Int64, staging: String,
        store: StateStore, publisher: ReportPublisher, beforePublishing: () throws(TierwatchError) -> Void, shards: Int? = nil
    ) throws(TierwatchError) -> RunOutcome {
        let warnings = ReportModel.dataWarnings(figures, settings: job.currency)
        let worst = figures.violationsBySeverity.keys.max()
        let rejected = figures.rejected.values.reduce(0, +)
        let status: RunStatus
        if let failOn = job.failOn, let worst, worst >= failOn {
            status = .fail
        } else if let warnOn = job.warnOn, let worst, worst >= warnOn {
            status = .warn
        } else if rejected > 0 || !warnings.isEmpty {
            status = .warn
        } else {
            status = .success
        }
        let policyHash = Manifest.policyHash(job.policy)
        let runID = Manifest.runID(
            toolVersion: context.toolVersion, jobHash: job.hash, policyHash: policyHash, period: period, inputs: figures.inputs)
        let generatedAt = try store.firstGeneratedAt(runID: runID, now: context.now)
        let history = try store.periodHistory(
            jobID: job.id, before: period.start, sameShapeAs: period.label, limit: TrendReport.periods - 1)
        var model = ReportModel(
            job: job, period: period, figures: figures, runID: runID, generatedAt: generatedAt,
            toolVersion: context.toolVersion, policyHash: policyHash, status: status, warnings: warnings, history: history)
        model.shards = shards
        try CSVReports.write(model, into: staging)
        try CSVMetadata.write(into: staging, job: job, marker: model.suppression.k > 0 ? model.suppression.marker : nil)
        try HTMLReports.write(model, into: staging)
        let manifest = Manifest(
            tool: "tierwatch \(context.toolVersion)", runID: runID, job: job.id, jobSHA256: job.hash, policySHA256: policyHash,
            period: .init(
                label: period.label, start: CivilCalendar.utcString(period.start), end: CivilCalendar.utcString(period.end),
                timezone: period.timeZoneIdentifier),
            generatedAt: CivilCalendar.utcString(generatedAt), status: status.rawValue, message: nil,
            inputs: figures.inputs.flatMap { input in
                input.files.map {
                    Manifest.Input(input: input.kind.rawValue, path: $0.path, sha256: $0.sha256, bytes: $0.bytes, rows: $0.rows, rejected: $0.rejected)
                }
            },
            violations: Dictionary(uniqueKeysWithValues: Severity.allCases.map { ($0.name, figures.violationsBySeverity[$0] ?? 0) }),
            warnings: warnings,
            csvModes: Dictionary(uniqueKeysWithValues: JobDefinition.csvOutputs.map { ($0, job.csvMode(for: $0).rawValue) }))
        try AtomicFile.write(manifest.encoded(), to: staging + "/manifest.json")
        try beforePublishing()
        try publisher.publish(staging: staging, as: period.label)
        try FileTree.remove(publisher.jobFolder + "/" + period.label + ".failed")
        try IndexPage.write(jobFolder: publisher.jobFolder, job: job)
        try IndexPage.writeRoot(reportsRoot: context.reportsDirectory)

        let folder = publisher.jobFolder + "/" + period.label
        let all = figures.privacyByTier[Tier.allCases.count]
        let severities = Severity.allCases.reversed().compactMap { severity in
            figures.violationsBySeverity[severity].map { "\($0) \(severity.name)" }
        }
        var summary = "\(job.id) \(period.label): \(status.rawValue); "
        summary += "\(figures.engagement[EngagementAccumulator.allGroup].delivered) delivered, \(all.uses) uses of personal data (\(all.checkedUses) under a consent requirement), "
        summary += "\(figures.violations) violations" + (severities.isEmpty ? "" : " (\(severities.joined(separator: ", ")))")
        summary += ", \(rejected) rejected rows"
        if !warnings.isEmpty { summary += "; " + warnings.joined(separator: "; ") }
        summary += "\n  reports: \(folder)/"
        try store.finish(
            number: number, runID: runID, status: status, exitCode: status.exitStatus, message: summary, reportPath: folder,
            at: context.now, inputs: figures.inputs.flatMap { input in input.files.map { (input.kind, $0) } },
            tiers: ReportModel.tierRecords(figures, job: job),
            ruleCounts: figures.violationMatrix.map { key, count in
                (key.rule.name, key.tier.name, job.policy.jurisdictions[key.jurisdiction].code, count)
            }.sorted { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) })
        // Recorded first, then judged: alerts (and their outbox rows) are written only for a run
        // the history already holds.
        let previous = try store.latestCompleted(
            jobID: job.id, periodLabel: (try? PeriodCalendar(timeZoneIdentifier: job.timeZone))?.previous(period).label ?? "")
        let evaluation = AlertRules.evaluate(
            job: job, period: period, figures: figures, previousViolations: previous?.violations, runNumber: number,
            links: AlertLinks.make(job: job, periodLabel: period.label, reportFolder: folder))
        try AlertLifecycle(store: store, job: job, context: context).apply(evaluation)
        // The report mail joins the outbox after the run is recorded; it never changes the run's status.
        do throws(TierwatchError) {
            try MailQueue(store: store, context: context).enqueue(
                job: job, period: period, runID: runID, status: status, summary: summary, reportFolder: folder)
        } catch {
            context.errorOutput("tierwatch: \(job.id): cannot queue the report mail: \(error)")
        }
        return RunOutcome(status: status, runNumber: number, runID: runID, reportFolder: folder, summary: summary)
    }

    /// Keeps the evidence of a run that failed on its data: `<label>.failed/` with the
    /// rejected rows and a manifest saying why, beside (never over) the last good report.
    private func publishFailure(
        _ job: JobDefinition, _ period: ReportPeriod, _ error: TierwatchError, rejects: RejectLog, staging: String,
        publisher: ReportPublisher
    ) throws(TierwatchError) -> String {
        try rejects.close()
        for name in FileTree.list(staging) where name != "rejected.csv" { try FileTree.remove(staging + "/" + name) }
        try CSVMetadata.write(into: staging, job: job, marker: nil)
        let manifest = Manifest(
            tool: "tierwatch \(context.toolVersion)", runID: "", job: job.id, jobSHA256: job.hash,
            policySHA256: Manifest.policyHash(job.policy),
            period: .init(
                label: period.label, start: CivilCalendar.utcString(period.start), end: CivilCalendar.utcString(period.end),
                timezone: period.timeZoneIdentifier),
            generatedAt: CivilCalendar.utcString(context.now), status: RunStatus.error.rawValue, message: error.description,
            inputs: [], violations: [:], warnings: [])
        try AtomicFile.write(manifest.encoded(), to: staging + "/manifest.json")
        try publisher.publish(staging: staging, as: period.label + ".failed")
        try IndexPage.write(jobFolder: publisher.jobFolder, job: job)
        try IndexPage.writeRoot(reportsRoot: context.reportsDirectory)
        return publisher.jobFolder + "/" + period.label + ".failed"
    }
}
