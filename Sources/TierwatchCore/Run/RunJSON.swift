/// What `history --format json` and `show --format json` print, for notebooks: one JSON
/// document with stable keys (listed in the README, "Reading runs as JSON"). Keys are only
/// ever added; a change of meaning would raise `schema_version`.
enum RunJSON {
    static let schemaVersion = 1

    /// `{"schema_version":1,"runs":[...]}`, newest run first.
    static func history(_ runs: [RunRecord]) -> String {
        JSONText.object([("schema_version", .number(String(schemaVersion))), ("runs", .array(runs.map(run)))]).rendered
    }

    /// `{"schema_version":1,"run":{...},"tiers":[...]}`.
    static func show(_ record: RunRecord, tiers: [TierFigureRecord]) -> String {
        JSONText.object([
            ("schema_version", .number(String(schemaVersion))), ("run", run(record)), ("tiers", .array(tiers.map(tier))),
        ]).rendered
    }

    static func run(_ r: RunRecord) -> JSONText {
        .object([
            ("run", .number(String(r.number))), ("run_id", r.runID.isEmpty ? .null : .string(r.runID)),
            ("job", .string(r.jobID)), ("trigger", .string(r.trigger)), ("period", .string(r.periodLabel)),
            ("period_start", .string(CivilCalendar.utcString(r.periodStart))),
            ("period_end", .string(CivilCalendar.utcString(r.periodEnd))), ("timezone", .string(r.timeZone)),
            ("status", .string(r.status.rawValue)), ("exit_code", r.exitCode.map { .number(String($0)) } ?? .null),
            ("started_at", .string(CivilCalendar.utcString(r.startedAt))),
            ("finished_at", r.finishedAt.map { .string(CivilCalendar.utcString($0)) } ?? .null),
            ("seconds", r.finishedAt.map { .number(FixedPoint.ratio($0 - r.startedAt, 1000, scale: 3)) } ?? .null),
            ("rows_read", .number(String(r.rowsRead))), ("rows_rejected", .number(String(r.rowsRejected))),
            ("violations", .number(String(r.violations))), ("report_path", r.reportPath.isEmpty ? .null : .string(r.reportPath)),
            ("message", .string(r.message)),
        ])
    }

    /// One tier's stored figures (not small-cell suppressed: the state database is the
    /// operator's), named as in the CSVs, with the figures derived from them at 6 decimals.
    static func tier(_ t: TierFigureRecord) -> JSONText {
        func count(_ value: Int64) -> JSONText { .number(String(value)) }
        func ratio(_ n: Int64, _ d: Int64, times: Int64 = 1) -> JSONText {
            d == 0 ? .null : .number(FixedPoint.ratio(n * times, d, scale: 6))
        }
        return .object([
            ("tier", .string(t.tier)), ("delivered", count(t.delivered)), ("opens", count(t.opens)), ("clicks", count(t.clicks)),
            ("conversions", count(t.conversions)), ("holdouts", count(t.holdouts)), ("reach", count(t.reach)),
            ("engaged", count(t.engaged)), ("control", count(t.controlSubjects)),
            ("treated_converters", count(t.treatedConverters)), ("control_converters", count(t.controlConverters)),
            ("revenue", t.revenueMicros.map { .number(FixedPoint.amount($0, storedScale: 6, scale: 6)) } ?? .null),
            ("responses", count(t.responses)), ("csat_responses", count(t.csatResponses)), ("csat_sum", count(t.csatSum)),
            ("csat_satisfied", count(t.csatSatisfied)), ("nps_responses", count(t.npsResponses)),
            ("nps_promoters", count(t.promoters)), ("nps_detractors", count(t.detractors)),
            ("intrusive_responses", count(t.intrusiveResponses)), ("intrusive_yes", count(t.intrusiveYes)),
            ("uses", count(t.uses)), ("uses_requiring_consent", count(t.checkedUses)), ("violating_uses", count(t.violatingUses)),
            ("violating_uses_requiring_consent", count(t.violatingCheckedUses)), ("violations", count(t.violations)),
            ("conversion_rate", ratio(t.conversions, t.delivered)), ("engagement_rate", ratio(t.engaged, t.reach)),
            ("csat_mean", ratio(t.csatSum, t.csatResponses)), ("nps", ratio(t.promoters - t.detractors, t.npsResponses, times: 100)),
            ("coverage_of_required", ratio(t.checkedUses - t.violatingCheckedUses, t.checkedUses)),
            ("coverage_of_all", ratio(t.uses - t.violatingUses, t.uses)),
        ])
    }
}
