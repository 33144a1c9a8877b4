/// How `history` and `show` print: aligned text for people, JSON for notebooks.
package enum OutputFormat: String, Sendable, Equatable {
    case text, json
}

/// `run JOB --shard I/N --partial DIR`.
package struct ShardRequest: Sendable, Equatable {
    package var index: Int
    package var count: Int
    package var folder: String
}

/// A parsed command line.
package struct Invocation: Sendable, Equatable {
    package enum Command: Sendable, Equatable {
        case run(jobs: [String], allDue: Bool)
        case jobs
        case validate([String])
        case history(String?)
        case show(String)
        /// `slurm JOB --shards N [--partition P] [--work DIR] [--dry-run]`.
        case slurm(job: String, SlurmCommand.Request)
        /// `merge JOB DIR...`: a run from the partials of its shards.
        case merge(job: String, folders: [String])
        /// `split JOB --shards N --out DIR`: the job's inputs as one set of parts per shard.
        case split(job: String, shards: Int, folder: String)
        case demo
        case generate
        case doctor
        /// `consent decode STRING [--type tcf|gpp|usp|gpc]`.
        case consentDecode(String, type: String?)
        /// `alerts`, `alerts ack ID`, `alerts silence`, `alerts history` (see AlertCommands).
        case alerts(AlertsAction)
        /// `deliver` (what is due) or `deliver --replay ID`.
        case deliver(replay: String?)
        case help
        case version
    }

    package var command: Command
    package var period: String?
    package var from: String?
    package var to: String?
    package var jobsDirectory: String?
    package var reportsDirectory: String?
    package var statePath: String?
    package var now: String?
    package var quiet = false
    /// `run --shard I/N --partial DIR`.
    package var shard: ShardRequest?
    /// `--format` of `history` and `show`.
    package var format = OutputFormat.text
    /// `run --no-deliver`: queue notifications but leave sending to `tierwatch deliver`.
    package var noDeliver = false
    /// `run --refetch`: fetch remote inputs again instead of reading the download cache.
    package var refetch = false
    /// `--threads N`: threads that read an input's parts at once.
    package var threads: String?
    /// `generate` options, kept as given.
    package var generateOptions: [String: String] = [:]

    package static let usage = """
        usage: tierwatch <command> [options]

        commands:
          run JOB [--period P | --from DATE --to DATE]   run one job (default: its last complete period)
          run --all-due                                  run every job whose schedule has fired (for cron)
          jobs                                           list jobs, their schedules and last runs
          validate [JOB ...]                             check job files without running them
          history [JOB] [--format json]                  list past runs
          show RUN [--format json]                       show one run (number or run id)
          run JOB --shard I/N --partial DIR              run one shard of a sharded run into DIR (nothing published)
          merge JOB [--period P] DIR...                  merge the shards' DIRs into one run: reports, history, alerts
          slurm JOB [--period P] --shards N [--partition NAME] [--work DIR] [--dry-run]
                                                         submit the shards as an sbatch array and the merge after them
          split JOB [--period P] --shards N --out DIR    write the inputs again as parts per shard (DIR/{shard}/KIND/*),
                                                         so that each shard reads only its own
          demo                                           run the example jobs on the bundled sample data
          generate --out DIR [--events N] [--seed S] [--start YYYY-MM-DD] [--days N]
                   [--subjects N] [--dialect canonical|vendor] [--invalid-rows N] [--broken-consent SHARE] [--gzip]
                                                         write a deterministic synthetic data set
          doctor                                         check the linked libraries
          consent decode STRING [--type tcf|gpp|usp|gpc] print a TC, GPP or US Privacy string's fields
          alerts                                         list firing and recently resolved alerts
          alerts ack ID --by WHO --reason WHY            acknowledge an alert (stops its repeats)
          alerts silence --match k=v [--match k=v] --until TIME [--by WHO] [--reason WHY]
                                                         send nothing for matching alerts until TIME
          alerts history                                 every alert, silences and notifications
          deliver [--replay ID]                          send due notifications (cron, every few minutes),
                                                         or resend one now
          run ... --no-deliver                           queue notifications without sending them (and mail nothing)
          run ... --refetch                              fetch remote inputs again instead of reading the cache
          run ... --threads N                            read large inputs on N threads (default: all processors;
                                                         $TIERWATCH_THREADS); the figures never depend on it

        periods: --period 2026-W46 | 2026-11-16 | 2026-11, or --from 2026-11-01 --to 2026-11-15 (inclusive)

        options: --jobs DIR (default Jobs, $TIERWATCH_JOBS)  --reports DIR (default Reports, $TIERWATCH_REPORTS)
                 --state FILE (default .tierwatch/state.sqlite3, $TIERWATCH_STATE)
                 --now TIMESTAMP (pretend it is this instant; $TIERWATCH_NOW)  --quiet

        exit codes: 0 success, 1 warnings, 2 violations at or above fail_on, 64 usage, 65 bad data,
                    66 missing input, 70 internal error, 74 I/O error, 75 locked, 78 bad job file
        """

    /// Parses `arguments` (without the program name).
    package static func parse(_ arguments: [String]) throws(TierwatchError) -> Invocation {
        var positional: [String] = []
        var options: [String: String] = [:]
        var flags: Set<String> = []
        let valued: Set<String> = [
            "--period", "--from", "--to", "--jobs", "--reports", "--state", "--now", "--out", "--events", "--seed",
            "--start", "--days", "--subjects", "--dialect", "--invalid-rows", "--broken-consent", "--type", "--by", "--reason", "--until", "--replay",
            "--match", "--threads", "--format", "--shard", "--partial", "--shards", "--partition", "--work",
        ]
        var matches: [String] = []
        let switches: Set<String> = ["--all-due", "--quiet", "-q", "--gzip", "--help", "-h", "--version", "--no-deliver", "--refetch", "--dry-run"]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument.hasPrefix("-") && argument.count > 1 {
                var name = argument
                var value: String?
                if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                    name = String(argument[..<equals])
                    value = String(argument[argument.index(after: equals)...])
                }
                if valued.contains(name) {
                    if value == nil {
                        index += 1
                        guard index < arguments.count else { throw TierwatchError(.usage, "\(name) needs a value") }
                        value = arguments[index]
                    }
                    if name == "--match" { matches.append(value!) }
                    options[name] = value
                } else if switches.contains(name) && value == nil {
                    flags.insert(name)
                } else {
                    throw TierwatchError(.usage, "unknown option \(argument)")
                }
            } else {
                positional.append(argument)
            }
            index += 1
        }
        if flags.contains("--help") || flags.contains("-h") { return Invocation(command: .help) }
        if flags.contains("--version") { return Invocation(command: .version) }
        guard let name = positional.first else { return Invocation(command: .help) }
        let rest = Array(positional.dropFirst())
        func noArguments() throws(TierwatchError) {
            if !rest.isEmpty { throw TierwatchError(.usage, "\(name) takes no arguments, found \(rest.joined(separator: " "))") }
        }
        let command: Command
        switch name {
        case "run":
            let allDue = flags.contains("--all-due")
            if allDue && !rest.isEmpty { throw TierwatchError(.usage, "run --all-due takes no job names") }
            if !allDue && rest.isEmpty { throw TierwatchError(.usage, "run needs a job name, or --all-due") }
            if allDue && (options["--period"] != nil || options["--from"] != nil) {
                throw TierwatchError(.usage, "run --all-due runs each job's last complete period; --period/--from/--to are for one job")
            }
            command = .run(jobs: rest, allDue: allDue)
        case "jobs":
            try noArguments()
            command = .jobs
        case "validate": command = .validate(rest)
        case "history":
            if rest.count > 1 { throw TierwatchError(.usage, "history takes at most one job name") }
            command = .history(rest.first)
        case "slurm":
            guard rest.count == 1 else { throw TierwatchError(.usage, "slurm needs one job name") }
            guard let text = options["--shards"], let shards = Int(text), (1...4096).contains(shards) else {
                throw TierwatchError(.usage, "slurm needs --shards N with 1 <= N <= 4096")
            }
            command = .slurm(
                job: rest[0],
                SlurmCommand.Request(shards: shards, partition: options["--partition"], work: options["--work"], dryRun: flags.contains("--dry-run")))
        case "split":
            guard rest.count == 1 else { throw TierwatchError(.usage, "split needs one job name") }
            guard let text = options["--shards"], let shards = Int(text), (1...4096).contains(shards) else {
                throw TierwatchError(.usage, "split needs --shards N with 1 <= N <= 4096")
            }
            guard let out = options["--out"] else { throw TierwatchError(.usage, "split needs --out DIR") }
            command = .split(job: rest[0], shards: shards, folder: out)
        case "merge":
            guard rest.count >= 2 else { throw TierwatchError(.usage, "merge needs a job name and the --partial folder of every shard") }
            command = .merge(job: rest[0], folders: Array(rest.dropFirst()))
        case "show":
            guard rest.count == 1 else { throw TierwatchError(.usage, "show needs one run number or run id") }
            command = .show(rest[0])
        case "demo":
            try noArguments()
            command = .demo
        case "generate":
            try noArguments()
            guard options["--out"] != nil else { throw TierwatchError(.usage, "generate needs --out DIR") }
            command = .generate
        case "doctor":
            try noArguments()
            command = .doctor
        case "consent":
            guard rest.first == "decode" else {
                throw TierwatchError(.usage, "consent takes a subcommand: consent decode STRING")
            }
            guard rest.count == 2 else { throw TierwatchError(.usage, "consent decode needs exactly one string") }
            command = .consentDecode(rest[1], type: options["--type"])
        case "alerts":
            command = .alerts(try AlertsAction.parse(rest, options: options, matches: matches))
        case "deliver":
            try noArguments()
            command = .deliver(replay: options["--replay"])
        case "help": command = .help
        case "version": command = .version
        default:
            throw TierwatchError(.usage, "unknown command \"\(name)\"")
        }
        if options["--period"] != nil && (options["--from"] != nil || options["--to"] != nil) {
            throw TierwatchError(.usage, "use either --period or --from/--to, not both")
        }
        if (options["--from"] == nil) != (options["--to"] == nil) {
            throw TierwatchError(.usage, "--from and --to go together")
        }
        var invocation = Invocation(command: command)
        invocation.period = options["--period"]
        invocation.from = options["--from"]
        invocation.to = options["--to"]
        invocation.jobsDirectory = options["--jobs"]
        invocation.reportsDirectory = options["--reports"]
        invocation.statePath = options["--state"]
        invocation.now = options["--now"]
        invocation.quiet = flags.contains("--quiet") || flags.contains("-q")
        invocation.noDeliver = flags.contains("--no-deliver")
        if invocation.noDeliver {
            guard case .run = command else { throw TierwatchError(.usage, "--no-deliver is an option of run") }
        }
        invocation.threads = options["--threads"]
        if invocation.threads != nil {
            guard case .run = command else { throw TierwatchError(.usage, "--threads is an option of run") }
        }
        if let format = options["--format"] {
            switch command {
            case .history, .show: break
            default: throw TierwatchError(.usage, "--format is an option of history and show")
            }
            guard let parsed = OutputFormat(rawValue: format) else {
                throw TierwatchError(.usage, "--format takes text or json, not \"\(format)\"")
            }
            invocation.format = parsed
        }
        if let shard = options["--shard"] {
            guard case .run(let jobs, false) = command, jobs.count == 1 else {
                throw TierwatchError(.usage, "--shard is an option of run, for one job")
            }
            guard let folder = options["--partial"] else { throw TierwatchError(.usage, "run --shard needs --partial DIR for the shard's figures") }
            let parsed = try ShardSpec.parse(shard)
            invocation.shard = ShardRequest(index: parsed.index, count: parsed.count, folder: folder)
        } else if options["--partial"] != nil {
            throw TierwatchError(.usage, "--partial goes with run --shard I/N")
        }
        invocation.refetch = flags.contains("--refetch")
        if invocation.refetch {
            guard case .run = command else { throw TierwatchError(.usage, "--refetch is an option of run") }
        }
        for key in ["--out", "--events", "--seed", "--start", "--days", "--subjects", "--dialect", "--invalid-rows", "--broken-consent"] {
            if let value = options[key] { invocation.generateOptions[String(key.dropFirst(2))] = value }
        }
        if flags.contains("--gzip") { invocation.generateOptions["gzip"] = "true" }
        return invocation
    }
}
