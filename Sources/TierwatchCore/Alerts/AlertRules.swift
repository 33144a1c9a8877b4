/// The breach-risk rules: each turns what a run found into alert candidates.
///
/// Every rule works from the run's figures alone (plus the previous period's total for the
/// rise rule), so rerunning a period finds the same alerts with the same fingerprints.
/// Rules are keyed by `ConsentRule.severity`, never by listing consent rules, so a consent
/// rule added later is covered by the same alerts.
package enum AlertRules {
    /// The alerts of a completed run (`success`, `warn` or `fail`).
    package static func evaluate(
        job: JobDefinition, period: ReportPeriod, figures: RunFigures, previousViolations: Int64?, runNumber: Int64,
        links: AlertLinks
    ) -> AlertEvaluation {
        let settings = job.alerts
        var evaluated: Set<String> = [AlertRuleName.inputRejects.rawValue, AlertRuleName.deadMansSwitch.rawValue]
        var candidates: [AlertCandidate] = []
        let context = " (\(job.id), \(period.label))"
        if settings.criticalViolations {
            evaluated.insert(AlertRuleName.criticalViolation.rawValue)
            candidates += criticalViolations(job: job, figures: figures, context: context)
        }
        if let limit = settings.tierViolationsPer1000 {
            evaluated.insert(AlertRuleName.tierViolationRate.rawValue)
            candidates += tierRates(job: job, figures: figures, limit: limit, context: context)
        }
        if let percent = settings.risePercent {
            evaluated.insert(AlertRuleName.violationRise.rawValue)
            if let previous = previousViolations, let rise = rise(
                job: job, current: figures.violations, previous: previous, percent: percent,
                minimum: settings.riseMinimumViolations, context: context)
            {
                candidates.append(rise)
            }
        }
        if !settings.freshnessHours.isEmpty {
            evaluated.insert(AlertRuleName.inputFreshness.rawValue)
            candidates += freshness(job: job, period: period, figures: figures, context: context)
        }
        return AlertEvaluation(
            jobID: job.id, periodLabel: period.label, periodStart: period.start, periodEnd: period.end, runNumber: runNumber,
            evaluatedRules: evaluated, candidates: candidates, links: links)
    }

    /// One alert per critical consent rule, tier and jurisdiction with violations.
    static func criticalViolations(job: JobDefinition, figures: RunFigures, context: String) -> [AlertCandidate] {
        figures.violationMatrix.filter { $0.key.rule.severity == .critical && $0.value > 0 }
            .sorted { ($0.key.rule.rawValue, $0.key.tier.rawValue, $0.key.jurisdiction) < ($1.key.rule.rawValue, $1.key.tier.rawValue, $1.key.jurisdiction) }
            .map { key, count in
                let jurisdiction = job.policy.jurisdictions[key.jurisdiction].code
                return AlertCandidate(
                    labels: [
                        "job": job.id, "rule": AlertRuleName.criticalViolation.rawValue, "violation_rule": key.rule.name,
                        "tier": key.tier.name, "jurisdiction": jurisdiction,
                    ],
                    severity: .critical,
                    summary: "\(count) \(key.rule.name) violation\(count == 1 ? "" : "s") in \(key.tier.label), \(jurisdiction)\(context)",
                    figures: [("violations", String(count)), ("legal_basis", key.rule.legalBasis)])
            }
    }

    /// One alert per tier whose violations per 1,000 checked uses exceed `limit`.
    static func tierRates(job: JobDefinition, figures: RunFigures, limit: Double, context: String) -> [AlertCandidate] {
        Tier.allCases.compactMap { tier in
            let totals = figures.privacyByTier[tier.rawValue]
            guard totals.checkedUses > 0, Double(totals.violations) * 1000 > limit * Double(totals.checkedUses) else { return nil }
            let rate = FixedPoint.ratio(totals.violations * 1000, totals.checkedUses, scale: 2)
            return AlertCandidate(
                labels: ["job": job.id, "rule": AlertRuleName.tierViolationRate.rawValue, "tier": tier.name],
                severity: .high,
                summary: "\(tier.label): \(rate) violations per 1,000 checked uses, above \(limitText(limit))\(context)",
                figures: [
                    ("violations", String(totals.violations)), ("checked_uses", String(totals.checkedUses)),
                    ("per_1000_checked_uses", rate), ("threshold", limitText(limit)),
                ])
        }
    }

    /// An alert when violations rose by more than `percent` over the previous period.
    static func rise(
        job: JobDefinition, current: Int64, previous: Int64, percent: Double, minimum: Int64, context: String
    ) -> AlertCandidate? {
        guard current >= minimum, Double(current) * 100 > Double(previous) * (100 + percent) else { return nil }
        let change = previous == 0 ? "new" : "+" + FixedPoint.ratio((current - previous) * 100, previous, scale: 1) + "%"
        return AlertCandidate(
            labels: ["job": job.id, "rule": AlertRuleName.violationRise.rawValue],
            severity: .warning,
            summary: "violations rose from \(previous) to \(current) (\(change)) over the previous period\(context)",
            figures: [("violations", String(current)), ("previous_violations", String(previous)), ("change", change)])
    }

    /// One alert per input whose newest timestamp lies more than its limit before the period's end.
    ///
    /// Measured against the period, not the clock, so a rerun gives the same answer.
    static func freshness(job: JobDefinition, period: ReportPeriod, figures: RunFigures, context: String) -> [AlertCandidate] {
        job.alerts.freshnessHours.sorted { $0.key.rawValue < $1.key.rawValue }.compactMap { kind, hours in
            guard job.inputs[kind] != nil else { return nil }
            let files = figures.inputs.first { $0.kind == kind }?.files ?? []
            let newest = files.compactMap(\.newest).max()
            let limit = Int64(hours * 3_600_000)
            if let newest, period.end - newest <= limit { return nil }
            let age = newest.map { FixedPoint.ratio(period.end - $0, 3_600_000, scale: 1) + " h" } ?? "no timestamps"
            return AlertCandidate(
                labels: ["job": job.id, "rule": AlertRuleName.inputFreshness.rawValue, "input": kind.rawValue],
                severity: .warning,
                summary: "\(kind.rawValue) input is stale: newest row \(age) before the period's end, limit \(limitText(hours)) h\(context)",
                figures: [
                    ("newest", newest.map(CivilCalendar.utcString) ?? ""), ("age_hours", age), ("limit_hours", limitText(hours)),
                ])
        }
    }

    /// The alert of a run stopped by an input's reject rate (or another data error).
    package static func rejected(job: JobDefinition, period: ReportPeriod, message: String, links: AlertLinks) -> AlertEvaluation {
        var candidates: [AlertCandidate] = []
        if job.alerts.inputRejects {
            candidates.append(
                AlertCandidate(
                    labels: ["job": job.id, "rule": AlertRuleName.inputRejects.rawValue],
                    severity: .warning, summary: "the run stopped on bad input (\(job.id), \(period.label)): \(message)",
                    figures: []))
        }
        return AlertEvaluation(
            jobID: job.id, periodLabel: period.label, periodStart: period.start, periodEnd: period.end, runNumber: nil,
            evaluatedRules: job.alerts.inputRejects ? [AlertRuleName.inputRejects.rawValue] : [], candidates: candidates,
            links: links)
    }

    /// The dead-man's switch: no completed run within `periods` of the job's periods.
    ///
    /// `lastSuccess` is when the latest completed run finished; `firstRun` when the job was
    /// first attempted (a job that has never run is new, not dead).
    package static func deadMansSwitch(
        job: JobDefinition, now: Int64, lastSuccess: Int64?, firstRun: Int64?, checkPeriod: ReportPeriod, links: AlertLinks
    ) -> AlertEvaluation {
        var candidates: [AlertCandidate] = []
        var evaluated: Set<String> = []
        if let periods = job.alerts.deadMansPeriods, job.schedule != nil {
            evaluated.insert(AlertRuleName.deadMansSwitch.rawValue)
            let window = Int64(periods) * job.period.nominalMilliseconds
            let reference = lastSuccess ?? firstRun
            if let reference, now - reference > window {
                let since = lastSuccess.map { "since " + CivilCalendar.utcString($0) } ?? "ever"
                candidates.append(
                    AlertCandidate(
                        labels: ["job": job.id, "rule": AlertRuleName.deadMansSwitch.rawValue],
                        severity: .high,
                        summary: "\(job.id) has not completed a run \(since): more than \(periods) \(job.period.rawValue) periods",
                        figures: [("last_success", lastSuccess.map(CivilCalendar.utcString) ?? ""), ("periods", String(periods))]))
            }
        }
        return AlertEvaluation(
            jobID: job.id, periodLabel: checkPeriod.label, periodStart: checkPeriod.start, periodEnd: checkPeriod.end,
            runNumber: nil, evaluatedRules: evaluated, candidates: candidates, links: links)
    }

    private static func limitText(_ value: Double) -> String {
        value == value.rounded() ? String(Int64(value)) : String(value)
    }
}

extension PeriodKind {
    /// A period's usual length, for the dead-man's switch (a month counts 31 days).
    var nominalMilliseconds: Int64 {
        switch self {
        case .daily: 86_400_000
        case .weekly: 7 * 86_400_000
        case .monthly: 31 * 86_400_000
        }
    }
}
