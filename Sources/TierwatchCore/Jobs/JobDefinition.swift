import Foundation

/// Where one input comes from and how its columns map to the canonical ones.
package struct InputSpec: Sendable, Equatable {
    /// Paths or globs as written in the job, relative to the job file's folder.
    package var paths: [String]
    /// Canonical column name → the export's header name.
    package var columns: [String: String]
    /// Canonical column name → a value used for every row when the export lacks the column.
    package var constants: [String: String]
    /// Canonical column name → (export value → canonical value).
    package var values: [String: [String: String]]
    /// The largest share of rejected rows the run accepts (0.01 = 1%).
    package var maxRejectRate: Double
    /// When true, no file matching is not an error (the input is empty).
    package var optional: Bool
    /// How remote paths (`https://`, `sftp://`, `s3://`) are fetched (see Ingest/Sources).
    package var source = SourceSettings()
}

/// A fixed exchange rate as an exact fraction.
package struct ExchangeRate: Sendable, Equatable {
    package var numerator: Int64
    package var denominator: Int64
}

/// Reporting currency and fixed exchange rates.
package struct CurrencySettings: Sendable, Equatable {
    package var reporting: String
    package var rates: [String: ExchangeRate]
}

/// A job file, read and checked.
package struct JobDefinition: Sendable {
    package var id: String
    package var file: String
    /// The job file's folder: relative input paths start here.
    package var directory: String
    package var description: String
    package var schedule: CronSchedule?
    package var period: PeriodKind
    package var timeZone: String
    package var inputs: [InputKind: InputSpec]
    package var policy: ConsentPolicy
    /// How encoded consent signals map to consent records (`consent_signals`).
    package var signals: SignalSettings
    package var currency: CurrencySettings?
    /// Violations at or above this severity fail the run (exit 2); nil never fails.
    package var failOn: Severity?
    /// Violations at or above this severity make the run a warning (exit 1); nil never warns.
    package var warnOn: Severity?
    package var pseudonymKeyEnvironment: String
    package var evidenceRows: Int
    /// The language of report labels and headlines (`outputs.language`).
    package var language: ReportLanguage = .english
    /// Figures describing fewer than this many subjects are shown as "<k" (`outputs.small_cell_k`);
    /// 0 shows every figure.
    package var smallCellK: Int = 5
    /// Lift is shown only when treated and control each have at least this many subjects
    /// (`outputs.minimum_group_size`).
    package var minimumGroupSize: Int = 100
    /// The planned share of control (holdout) subjects, for the sample-ratio check; nil: not checked.
    package var expectedHoldoutShare: Double?
    /// Where `Reports/` is published (e.g. `https://reports.example.com/tierwatch`), so
    /// messages sent elsewhere (alerts, e-mails) can link to a report; nil: not published.
    package var reportBaseURL: String?
    package var title: String
    /// SHA-256 of the job file's bytes, hex.
    package var hash: String
    /// The CSV mode of each output file (`outputs.csv_mode` for all, `outputs.csv_modes` per file).
    package var csvDefaultMode: CSVMode = .spreadsheet
    package var csvModes: [String: CSVMode] = [:]

    /// The CSV files a run writes, in the order the manifest lists them.
    package static let csvOutputs = [
        "metrics_by_tier.csv", "metrics_by_campaign.csv", "surveys_by_tier.csv", "privacy_by_tier.csv",
        "privacy_by_jurisdiction.csv", "uplift.csv", "violations.csv", "rejected.csv",
    ]

    /// How `file` is written: for spreadsheets (the default) or for machines.
    package func csvMode(for file: String) -> CSVMode { csvModes[file] ?? csvDefaultMode }

    /// Breach-risk alert rules and receivers (`alerts`).
    package var alerts = AlertSettings()
    /// Mailing the executive report (`mail`); nil sends no mail.
    package var mail: MailSettings?

    /// The identifier rule for job ids (file stems): safe in paths, URLs and SQL.
    package static func isValidID(_ id: String) -> Bool {
        guard let first = id.utf8.first, id.utf8.count <= 64 else { return false }
        let allowed: (UInt8) -> Bool = {
            ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E
        }
        return first != 0x2E && id.utf8.allSatisfy(allowed)
    }

    /// Reads a job from its JSON bytes; throws `.badJob` listing every problem found.
    package static func read(id: String, file: String, data: [UInt8], hash: String) throws(TierwatchError) -> JobDefinition {
        let root = try JSONValue.parse(data)
        let problems = JobProblems()
        let cursor = JSONCursor(root, problems: problems)
        let job = read(id: id, file: file, cursor: cursor, hash: hash)
        if !problems.messages.isEmpty || job == nil {
            throw TierwatchError(.badJob, problems.messages.map { "\(file): \($0)" }.joined(separator: "\n"))
        }
        return job!
    }

    private static func read(id: String, file: String, cursor: JSONCursor, hash: String) -> JobDefinition? {
        if !isValidID(id) {
            cursor.problem("the file name \"\(id)\" is not a valid job id (lower-case letters, digits, '-', '_', '.')")
        }
        guard
            let members = cursor.object(allowed: [
                "schemaVersion", "description", "title", "schedule", "period", "timezone", "inputs", "policy",
                "consent_signals", "currency", "fail_on", "warn_on", "pseudonym_key_env", "outputs", "alerts",
                "expected_holdout_share", "report_base_url", "mail",
            ])
        else { return nil }
        func required(_ key: String) -> JSONCursor? {
            if let member = members[key] { return member }
            cursor.problem("missing key \"\(key)\"")
            return nil
        }
        if let version = required("schemaVersion") {
            if let number = version.integer(in: 1...1_000), number != 1 {
                version.problem("unsupported schemaVersion \(number); this tool reads version 1")
            }
        }
        let period = required("period")?.choice(PeriodKind.allCases.map(\.rawValue)).flatMap(PeriodKind.init(rawValue:))
        var timeZone = "UTC"
        if let zone = required("timezone"), let name = zone.string() {
            do throws(PeriodError) {
                _ = try PeriodCalendar(timeZoneIdentifier: name)
                timeZone = name
            } catch {
                zone.problem("\(error) (expected an IANA name such as \"Europe/Stockholm\")")
            }
        }
        var schedule: CronSchedule?
        if let member = members["schedule"], let text = member.string() {
            do throws(PeriodError) {
                schedule = try CronSchedule(parsing: text)
            } catch {
                member.problem("\(error)")
            }
        }
        var inputs: [InputKind: InputSpec] = [:]
        if let inputMembers = required("inputs")?.object(allowed: InputKind.allCases.map(\.rawValue)) {
            for kind in InputKind.allCases {
                if let spec = inputMembers[kind.rawValue] { inputs[kind] = readInput(kind, spec) }
            }
            if inputMembers["events"] == nil { members["inputs"]!.problem("missing key \"events\"") }
        }
        let policy = members["policy"].map(ConsentPolicy.read) ?? .standard
        let signals = members["consent_signals"].map(SignalSettings.read) ?? .standard
        let currency = members["currency"].flatMap(readCurrency)
        func severity(_ key: String, default value: Severity?) -> Severity? {
            guard let member = members[key] else { return value }
            guard let text = member.choice(Severity.allCases.map(\.name) + ["never"]) else { return value }
            return Severity(name: text)
        }
        var evidenceRows = 50
        var title = id
        var language = ReportLanguage.english
        var csvDefaultMode = CSVMode.spreadsheet
        var csvModes: [String: CSVMode] = [:]
        var smallCellK = 5
        var minimumGroupSize = 100
        if let outputs = members["outputs"]?.object(allowed: [
            "evidence_rows", "title", "language", "small_cell_k", "minimum_group_size", "csv_mode", "csv_modes",
        ]) {
            let modes = CSVMode.allCases.map(\.rawValue)
            csvDefaultMode = outputs["csv_mode"]?.choice(modes).flatMap(CSVMode.init(rawValue:)) ?? csvDefaultMode
            for (file, value) in outputs["csv_modes"]?.map() ?? [] {
                guard csvOutputs.contains(file) else {
                    value.problem("not an output CSV; expected one of \(csvOutputs.joined(separator: ", "))")
                    continue
                }
                if let mode = value.choice(modes).flatMap(CSVMode.init(rawValue:)) { csvModes[file] = mode }
            }
            evidenceRows = outputs["evidence_rows"]?.integer(in: 0...100_000) ?? evidenceRows
            title = outputs["title"]?.string() ?? title
            language = outputs["language"]?.choice(ReportLanguage.allCases.map(\.rawValue)).flatMap(ReportLanguage.init(rawValue:)) ?? language
            smallCellK = outputs["small_cell_k"]?.integer(in: 0...1_000) ?? smallCellK
            minimumGroupSize = outputs["minimum_group_size"]?.integer(in: 1...1_000_000_000) ?? minimumGroupSize
        }
        var expectedHoldoutShare: Double?
        if let member = members["expected_holdout_share"] {
            if let share = member.number(in: 0...1) {
                if share > 0 && share < 1 {
                    expectedHoldoutShare = share
                } else {
                    member.problem("expected a share strictly between 0 and 1, e.g. 0.1 for a 10% holdout")
                }
            }
        }
        var reportBaseURL: String?
        if let member = members["report_base_url"], let text = member.string() {
            if (text.hasPrefix("https://") || text.hasPrefix("http://")) && !text.contains(where: { $0 == " " || $0 == "\"" || $0 == "<" || $0 == ">" }) {
                reportBaseURL = text.hasSuffix("/") ? String(text.dropLast()) : text
            } else {
                member.problem("expected an absolute http(s) URL without spaces, e.g. \"https://reports.example.com/tierwatch\"")
            }
        }
        if let text = members["title"]?.string() { title = text }
        let alerts = members["alerts"].map(AlertSettings.read) ?? AlertSettings()
        guard let period else { return nil }
        var job = JobDefinition(
            id: id, file: file, directory: (file as NSString).deletingLastPathComponent,
            description: members["description"]?.string(nonEmpty: false) ?? "",
            schedule: schedule, period: period, timeZone: timeZone, inputs: inputs, policy: policy,
            signals: signals, currency: currency, failOn: severity("fail_on", default: .critical),
            warnOn: severity("warn_on", default: .low),
            pseudonymKeyEnvironment: members["pseudonym_key_env"]?.string() ?? "TIERWATCH_PSEUDONYM_KEY",
            evidenceRows: evidenceRows, language: language, smallCellK: smallCellK, minimumGroupSize: minimumGroupSize,
            expectedHoldoutShare: expectedHoldoutShare, reportBaseURL: reportBaseURL, title: title, hash: hash)
        job.alerts = alerts
        job.csvDefaultMode = csvDefaultMode
        job.csvModes = csvModes
        job.mail = members["mail"].flatMap(MailSettings.read)
        return job
    }

    private static func readInput(_ kind: InputKind, _ cursor: JSONCursor) -> InputSpec? {
        guard
            let members = cursor.object(allowed: [
                "path", "columns", "constants", "values", "max_reject_rate", "optional",
            ] + SourceSettings.keys)
        else { return nil }
        let canonical = kind.columns.map(\.name)
        var paths: [String] = []
        if let path = members["path"] {
            if case .array = path.value {
                paths = path.strings() ?? []
                if paths.isEmpty { path.problem("expected at least one path") }
            } else if let single = path.string() {
                paths = [single]
            }
        } else {
            cursor.problem("missing key \"path\"")
        }
        func canonicalMap(_ key: String) -> [(String, JSONCursor)] {
            guard let entries = members[key]?.map() else { return [] }
            return entries.filter { entry in
                if canonical.contains(entry.key) { return true }
                entry.cursor.problem("not a column of \(kind.rawValue); expected one of \(canonical.joined(separator: ", "))")
                return false
            }
        }
        var columns: [String: String] = [:]
        for (name, value) in canonicalMap("columns") { columns[name] = value.string() }
        var constants: [String: String] = [:]
        for (name, value) in canonicalMap("constants") { constants[name] = value.string(nonEmpty: false) }
        var values: [String: [String: String]] = [:]
        for (name, value) in canonicalMap("values") {
            var mapping: [String: String] = [:]
            for (from, to) in value.map() ?? [] { mapping[from] = to.string(nonEmpty: false) }
            values[name] = mapping
        }
        let rate = members["max_reject_rate"]?.number(in: 0...1) ?? 0.01
        let optional = members["optional"]?.bool() ?? (kind == .erasures)
        var spec = InputSpec(
            paths: paths, columns: columns, constants: constants, values: values, maxRejectRate: rate,
            optional: optional)
        spec.source = SourceSettings.read(members, paths: paths, pathCursor: members["path"])
        return spec
    }

    private static func readCurrency(_ cursor: JSONCursor) -> CurrencySettings? {
        guard let members = cursor.object(allowed: ["reporting", "rates"]) else { return nil }
        guard let reporting = members["reporting"]?.string() else {
            if members["reporting"] == nil { cursor.problem("missing key \"reporting\"") }
            return nil
        }
        var rates: [String: ExchangeRate] = [reporting: ExchangeRate(numerator: 1, denominator: 1)]
        for (code, value) in members["rates"]?.map() ?? [] {
            let text: String?
            switch value.value {
            case .number(let number): text = number > 0 ? "\(number)" : nil
            case .string(let string): text = string
            default: text = nil
            }
            guard let text, let rate = parseRate(text) else {
                value.problem("expected a positive decimal rate such as 0.087 (units of \(reporting) per \(code))")
                continue
            }
            rates[code] = rate
        }
        return CurrencySettings(reporting: reporting, rates: rates)
    }

    /// Parses a plain decimal ("0.087", "11.25") into an exact fraction.
    package static func parseRate(_ text: String) -> ExchangeRate? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = Int64(parts[0].isEmpty ? "0" : String(parts[0])), whole >= 0 else {
            return nil
        }
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= 12, fraction.allSatisfy(\.isASCII), fraction.allSatisfy(\.isNumber) else { return nil }
        let denominator = Int64(FixedPoint.pow10(fraction.count))
        let numerator = whole * denominator + (Int64(fraction) ?? 0)
        guard numerator > 0 else { return nil }
        return ExchangeRate(numerator: numerator, denominator: denominator)
    }
}
