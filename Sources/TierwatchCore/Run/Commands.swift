import Digests
import Gzip
import HTTPTransport
import SQLite

/// Carries out an `Invocation`; returns the exit status. Errors are thrown to the
/// executable, which maps them to a status in one place.
package struct Commands {
    package let context: RunContext

    package init(context: RunContext) { self.context = context }

    private var catalog: JobCatalog { JobCatalog(directory: context.jobsDirectory) }

    package func execute(_ invocation: Invocation) throws(TierwatchError) -> Int32 {
        switch invocation.command {
        case .help:
            context.output(Invocation.usage)
            return 0
        case .version:
            context.output("tierwatch \(context.toolVersion)")
            return 0
        case .run(let jobs, let allDue):
            var runContext = context
            runContext.refetch = invocation.refetch
            runContext.noDeliver = invocation.noDeliver
            let commands = Commands(context: runContext)
            return allDue ? try commands.runDue(noDeliver: invocation.noDeliver) : try commands.run(jobs, invocation)
        case .jobs: return try listJobs()
        case .validate(let ids): return try validate(ids)
        case .history(let id): return try history(id, format: invocation.format)
        case .show(let reference): return try show(reference, format: invocation.format)
        case .merge(let id, let folders): return try merge(id, folders: folders, invocation)
        case .split(let id, let shards, let folder):
            let job = try catalog.load(id)
            let result = try ShardSplitter(context: context).split(job, period: try period(for: job, invocation), shards: shards, into: folder)
            // What to put in the job file (the paths as written, relative to where it was run).
            for (kind, path) in result.patterns { context.output("\(kind.rawValue): \(path)") }
            return 0
        case .slurm(let id, let request):
            let job = try catalog.load(id)
            return try SlurmCommand(context: context).execute(job, period: try period(for: job, invocation), request: request)
        case .demo: return try demo()
        case .generate: return try generate(invocation.generateOptions)
        case .doctor: return try doctor()
        case .consentDecode(let text, let type): return try ConsentDecodeCommand(context: context).execute(text, type: type)
        case .alerts(let action): return try AlertCommands(context: context).alerts(action)
        case .deliver(let replay): return try AlertCommands(context: context).deliver(replay: replay)
        }
    }

    // MARK: - run

    /// The period an invocation asks for, resolved in the job's timezone.
    package func period(for job: JobDefinition, _ invocation: Invocation) throws(TierwatchError) -> ReportPeriod {
        do throws(PeriodError) {
            let calendar = try PeriodCalendar(timeZoneIdentifier: job.timeZone)
            if let label = invocation.period { return try calendar.period(label: label) }
            if let from = invocation.from, let to = invocation.to { return try calendar.period(from: from, to: to) }
            return calendar.lastComplete(job.period, asOf: context.now)
        } catch {
            throw TierwatchError(.usage, "\(error)")
        }
    }

    /// `merge JOB DIR...`: one run from its shards' partials, reported as `run` reports.
    private func merge(_ id: String, folders: [String], _ invocation: Invocation) throws(TierwatchError) -> Int32 {
        var threw = true
        defer { if !invocation.noDeliver { AlertCommands(context: context).deliverAfterRun(afterFailure: threw) } }
        let job = try catalog.load(id)
        let outcome = try ShardRunner(context: context).merge(job, period: try period(for: job, invocation), folders: folders)
        report(outcome)
        threw = false
        return outcome.status.exitStatus
    }

    private func run(_ ids: [String], _ invocation: Invocation) throws(TierwatchError) -> Int32 {
        // Also after a run that failed: its input_rejects alert is due at once.
        var threw = true
        defer {
            if !invocation.noDeliver && invocation.shard == nil { AlertCommands(context: context).deliverAfterRun(afterFailure: threw) }
        }
        var worst: Int32 = 0
        if let shard = invocation.shard {
            // A shard records and sends nothing: the merge does, once.
            let job = try catalog.load(ids[0])
            try ShardRunner(context: context).runShard(
                job, period: try period(for: job, invocation), index: shard.index, count: shard.count, into: shard.folder)
            return 0
        }
        for id in ids {
            let job = try catalog.load(id)
            let outcome = try JobRunner(context: context).run(job, period: try period(for: job, invocation), trigger: "manual")
            report(outcome)
            worst = max(worst, outcome.status.exitStatus)
        }
        threw = false
        return worst
    }

    private func report(_ outcome: RunOutcome) {
        switch outcome.status {
        case .success:
            if context.interactive && !context.quiet { context.output(outcome.summary) }
        default:
            context.errorOutput(outcome.summary)
        }
    }

    /// Whether `job` is due at `now`, and for which period.
    ///
    /// Due when its schedule has fired at or before now and the last complete period as of
    /// that firing has no finished run. An errored attempt is retried on the next call,
    /// but not within an hour of the last attempt, so a broken export does not mail cron's
    /// owner every few minutes.
    package func due(_ job: JobDefinition, store: StateStore) throws(TierwatchError) -> ReportPeriod? {
        guard let schedule = job.schedule else { return nil }
        let calendar: PeriodCalendar
        do throws(PeriodError) {
            calendar = try PeriodCalendar(timeZoneIdentifier: job.timeZone)
        } catch {
            throw TierwatchError(.badJob, "\(job.file): \(error)")
        }
        guard let fired = schedule.latestFire(atOrBefore: context.now, in: calendar) else { return nil }
        let period = calendar.lastComplete(job.period, asOf: fired)
        if try store.latestCompleted(jobID: job.id, periodLabel: period.label) != nil { return nil }
        if let last = try store.latest(jobID: job.id, periodLabel: period.label), last.status == .error,
            context.now - last.startedAt < 3_600_000
        {
            return nil
        }
        return period
    }

    private func runDue(noDeliver: Bool) throws(TierwatchError) -> Int32 {
        let store = try StateStore(path: context.statePath)
        var worst: Int32 = 0
        var firstError: TierwatchError?
        defer { if !noDeliver { AlertCommands(context: context).deliverAfterRun() } }
        for id in catalog.ids() {
            do throws(TierwatchError) {
                let job = try catalog.load(id)
                guard let period = try due(job, store: store) else { continue }
                let outcome = try JobRunner(context: context).run(job, period: period, trigger: "schedule")
                report(outcome)
                worst = max(worst, outcome.status.exitStatus)
            } catch {
                // One broken job must not stop the others; its error decides the exit status.
                context.errorOutput("tierwatch: \(id): \(error)")
                if firstError == nil || (firstError!.code == .locked && error.code != .locked) { firstError = error }
            }
        }
        // The dead-man's switch: after the due runs, so a job that just ran is not reported.
        for id in catalog.ids() {
            guard let job = try? catalog.load(id) else { continue }
            do throws(TierwatchError) {
                try AlertCommands(context: context).checkDeadMan(job, store: store)
            } catch {
                context.errorOutput("tierwatch: \(id): dead-man's switch: \(error)")
            }
        }
        if let firstError { return firstError.code.exitStatus }
        return worst
    }

    // MARK: - jobs, validate, history, show

    private func listJobs() throws(TierwatchError) -> Int32 {
        let store = try StateStore(path: context.statePath)
        var lines = ["JOB\tPERIOD\tTIMEZONE\tSCHEDULE\tLAST RUN"]
        for id in catalog.ids() {
            guard let job = try? catalog.load(id) else {
                lines.append("\(id)\t(invalid: run tierwatch validate \(id))")
                continue
            }
            let last = try store.history(jobID: id, limit: 1).first
            let lastText = last.map { "#\($0.number) \($0.periodLabel) \($0.status.rawValue)" } ?? "never"
            lines.append("\(id)\t\(job.period.rawValue)\t\(job.timeZone)\t\(job.schedule?.expression ?? "manual")\t\(lastText)")
        }
        context.output(Table.align(lines))
        return 0
    }

    private func validate(_ ids: [String]) throws(TierwatchError) -> Int32 {
        let names = ids.isEmpty ? catalog.ids() : ids
        if names.isEmpty { throw TierwatchError(.badJob, "no job files in \(context.jobsDirectory)") }
        var problems: [String] = []
        for id in names {
            do throws(TierwatchError) {
                let job = try catalog.load(id)
                for (kind, spec) in job.inputs.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                    do throws(TierwatchError) {
                        _ = try InputResolver.resolve(spec, kind: kind, jobDirectory: job.directory)
                    } catch {
                        problems.append("\(job.file): $.inputs.\(kind.rawValue).path: \(error.message)")
                    }
                }
            } catch {
                problems.append(error.message)
            }
        }
        if !problems.isEmpty {
            throw TierwatchError(.badJob, problems.joined(separator: "\n"))
        }
        if !context.quiet { context.output("\(names.count) job\(names.count == 1 ? "" : "s") valid: \(names.joined(separator: ", "))") }
        return 0
    }

    private func history(_ id: String?, format: OutputFormat) throws(TierwatchError) -> Int32 {
        let store = try StateStore(path: context.statePath)
        if format == .json {
            context.output(RunJSON.history(try store.history(jobID: id)))
            return 0
        }
        var lines = ["RUN\tJOB\tPERIOD\tSTATUS\tSTARTED (UTC)\tSECONDS\tROWS\tREJECTED\tVIOLATIONS\tRUN ID"]
        for run in try store.history(jobID: id) {
            let seconds = run.finishedAt.map { FixedPoint.ratio($0 - run.startedAt, 1000, scale: 1) } ?? "-"
            lines.append(
                "\(run.number)\t\(run.jobID)\t\(run.periodLabel)\t\(run.status.rawValue)\t\(CivilCalendar.utcString(run.startedAt))\t\(seconds)\t\(run.rowsRead)\t\(run.rowsRejected)\t\(run.violations)\t\(run.runID)")
        }
        context.output(Table.align(lines))
        return 0
    }

    private func show(_ reference: String, format: OutputFormat) throws(TierwatchError) -> Int32 {
        let store = try StateStore(path: context.statePath)
        guard let run = try store.find(reference) else { throw TierwatchError(.usage, "no run \"\(reference)\" (see tierwatch history)") }
        if format == .json {
            context.output(RunJSON.show(run, tiers: try store.tierFigures(run: run.number)))
            return 0
        }
        var text = """
            run #\(run.number) (run id \(run.runID.isEmpty ? "-" : run.runID))
            job:      \(run.jobID) (\(run.trigger))
            period:   \(run.periodLabel) = \(CivilCalendar.utcString(run.periodStart)) to \(CivilCalendar.utcString(run.periodEnd)) (\(run.timeZone))
            status:   \(run.status.rawValue)\(run.exitCode.map { " (exit \($0))" } ?? "")
            started:  \(CivilCalendar.utcString(run.startedAt))\(run.finishedAt.map { ", finished \(CivilCalendar.utcString($0))" } ?? "")
            rows:     \(run.rowsRead) read, \(run.rowsRejected) rejected; \(run.violations) violations
            reports:  \(run.reportPath.isEmpty ? "-" : run.reportPath)
            message:  \(run.message)

            """
        let tiers = try store.tierFigures(run: run.number)
        if !tiers.isEmpty {
            var lines = ["TIER\tDELIVERED\tREACH\tCONVERSIONS\tCONV.RATE\tCSAT\tUSES\tVIOLATIONS\tCOV.REQUIRED\tCOV.ALL"]
            for t in tiers {
                lines.append(
                    "\(t.tier)\t\(t.delivered)\t\(t.reach)\t\(t.conversions)\t\(FixedPoint.ratio(t.conversions, t.delivered, scale: 4).orDash)\t\(FixedPoint.ratio(t.csatSum, t.csatResponses, scale: 2).orDash)\t\(t.uses)\t\(t.violations)\t\(FixedPoint.ratio(t.checkedUses - t.violatingCheckedUses, t.checkedUses, scale: 4).orDash)\t\(FixedPoint.ratio(t.uses - t.violatingUses, t.uses, scale: 4).orDash)")
            }
            text += Table.align(lines)
        }
        context.output(text)
        return 0
    }

    // MARK: - demo, generate, doctor

    /// The example runs: three weeks of the executive job (so trends have history) and the
    /// last day of the consent audit, all on the bundled sample data.
    package static let demoRuns: [(job: String, period: String)] = [
        ("weekly-executive", "2026-W45"), ("weekly-executive", "2026-W46"), ("weekly-executive", "2026-W47"),
        ("daily-consent-audit", "2026-11-19"), ("daily-consent-audit", "2026-11-20"),
    ]

    private func demo() throws(TierwatchError) -> Int32 {
        var folders: [String] = []
        for (id, label) in Self.demoRuns {
            let job = try catalog.load(id)
            var invocation = Invocation(command: .demo)
            invocation.period = label
            let outcome = try JobRunner(context: context).run(job, period: try period(for: job, invocation), trigger: "demo")
            context.output(outcome.summary)
            folders.append(outcome.reportFolder)
        }
        context.output("\nOpen these reports in a browser:")
        for folder in folders { context.output("  \(folder)/executive.html\n  \(folder)/compliance.html") }
        context.output("  index: \(context.reportsDirectory)/weekly-executive/index.html")
        return 0
    }

    private func generate(_ options: [String: String]) throws(TierwatchError) -> Int32 {
        var spec = SyntheticDataSpec()
        func integer(_ key: String) throws(TierwatchError) -> Int? {
            guard let text = options[key] else { return nil }
            guard let value = Int(String(text.filter { $0 != "_" })), value >= 0 else {
                throw TierwatchError(.usage, "--\(key) expects a whole number, found \(text)")
            }
            return value
        }
        if let events = try integer("events") { spec.events = events }
        if let seed = try integer("seed") { spec.seed = UInt64(seed) }
        if let days = try integer("days") { spec.days = max(1, days) }
        if let subjects = try integer("subjects") { spec.subjects = subjects }
        if let invalid = try integer("invalid-rows") { spec.invalidRows = invalid }
        if let text = options["broken-consent"] {
            guard let share = Double(text), (0...1).contains(share) else {
                throw TierwatchError(.usage, "--broken-consent expects a share from 0 to 1, found \(text)")
            }
            spec.brokenConsent = share
        }
        if let start = options["start"] {
            guard start.utf8.count == 10, FieldParsers.instant(Array((start + "T00:00:00Z").utf8).withUnsafeBytes { $0 }) != nil else {
                throw TierwatchError(.usage, "--start expects a date YYYY-MM-DD, found \(start)")
            }
            spec.startDate = start
        }
        if let dialect = options["dialect"] {
            guard let value = SyntheticDialect(rawValue: dialect) else {
                throw TierwatchError(.usage, "--dialect expects canonical or vendor, found \(dialect)")
            }
            spec.dialect = value
        }
        let out = options["out"]!
        let summary: SyntheticDataSummary
        do {
            summary = try writeSyntheticDataSet(spec, to: out)
        } catch let error as TierwatchError {
            throw error
        } catch {
            throw TierwatchError(.ioError, "cannot write the data set to \(out): \(error)")
        }
        if options["gzip"] != nil {
            for file in summary.eventFiles { try GzipFile.compress(file.hasPrefix("/") ? file : out + "/" + file) }
        }
        if !context.quiet {
            context.output(
                "wrote \(summary.events) events, \(summary.consents) consent records, \(summary.erasures) erasures, \(summary.surveys) surveys to \(out)")
        }
        return 0
    }

    private func doctor() throws(TierwatchError) -> Int32 {
        context.output("tierwatch \(context.toolVersion)")
        context.output("SQLite   \(SQLiteDatabase.libraryVersion)")
        context.output("libcurl  \(CurlLibrary.version)")
        context.output("OpenSSL  \(OpenSSLLibrary.version)")
        context.output("zlib     \(ZlibLibrary.version)")
        // A file:// round trip through libcurl proves the transfer path works end to end.
        let directory = FileTree.parent(of: context.statePath)
        let folder = directory.isEmpty ? "." : directory
        try FileTree.makeDirectories(folder)
        let probe = folder + "/doctor-probe.txt"
        let payload = "tierwatch doctor \(context.now)\n"
        try AtomicFile.write(payload, to: probe)
        defer { try? FileTree.remove(probe) }
        let absolute = probe.hasPrefix("/") ? probe : FileTree.currentDirectory() + "/" + probe
        do {
            let (_, body) = try fetch(TransferRequest(url: "file://" + absolute))
            guard String(decoding: body, as: UTF8.self) == payload else {
                throw TierwatchError(.internalError, "file:// fetch returned different bytes")
            }
        } catch let error as TierwatchError {
            throw error
        } catch {
            throw TierwatchError(.internalError, "file:// fetch through libcurl failed: \(error)")
        }
        context.output("file://  ok (\(payload.utf8.count) bytes read back through libcurl)")
        context.output("SHA-256  \(Hex.encode(SHA256.hash("abc")).prefix(16))… (abc)")
        return 0
    }
}

/// Aligns tab-separated lines into columns for terminal output.
package enum Table {
    package static func align(_ lines: [String]) -> String {
        let rows = lines.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        var widths: [Int] = []
        for row in rows {
            for (index, cell) in row.enumerated() {
                if index >= widths.count { widths.append(0) }
                widths[index] = max(widths[index], cell.count)
            }
        }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + 2)
            }.joined()
        }.joined(separator: "\n")
    }
}

/// Compresses a file to `<path>.gz` (deterministic bytes) and removes the original.
package enum GzipFile {
    package static func compress(_ path: String) throws(TierwatchError) {
        guard let bytes = FileTree.readFile(path) else { throw TierwatchError(.ioError, "cannot read \(path)") }
        var output: [UInt8] = []
        do {
            let deflater = try GzipDeflater(level: 6)
            try bytes.withUnsafeBytes { raw in try deflater.deflate(raw) { output.append(contentsOf: $0) } }
            try deflater.finish { output.append(contentsOf: $0) }
        } catch {
            throw TierwatchError(.internalError, "cannot compress \(path): \(error)")
        }
        try AtomicFile.write(bytes: output, to: path + ".gz")
        try FileTree.remove(path)
    }
}
