import Digests

/// The breach-risk rules, by the name alerts carry in their `rule` label.
package enum AlertRuleName: String, CaseIterable, Sendable {
    case criticalViolation = "critical_violation"
    case tierViolationRate = "tier_violation_rate"
    case violationRise = "violation_rise"
    case inputFreshness = "input_freshness"
    case inputRejects = "input_rejects"
    case deadMansSwitch = "dead_mans_switch"
}

/// A condition one evaluation found: what it is (labels), how bad, and what to tell people.
package struct AlertCandidate: Sendable, Equatable {
    /// `job`, `rule` and the rule's own dimensions (`tier`, `jurisdiction`, `violation_rule`, `input`).
    package var labels: [String: String]
    package var severity: AlertSeverity
    package var summary: String
    /// Figures behind the alert, as display strings, in a stable order.
    package var figures: [(String, String)]

    package init(labels: [String: String], severity: AlertSeverity, summary: String, figures: [(String, String)]) {
        self.labels = labels
        self.severity = severity
        self.summary = summary
        self.figures = figures
    }

    package var fingerprint: String { AlertFingerprint.of(labels) }
    package var rule: String { labels["rule"] ?? "" }

    package static func == (a: Self, b: Self) -> Bool {
        a.labels == b.labels && a.severity == b.severity && a.summary == b.summary
            && a.figures.map { $0.0 + "=" + $0.1 } == b.figures.map { $0.0 + "=" + $0.1 }
    }
}

/// The identity of an alert: a hash of its labels, so the same condition in a later run
/// (or a rerun) is recognised as the same alert.
package enum AlertFingerprint {
    /// 16 hex digits of SHA-256 over the labels sorted by name, one `name=value` per line.
    ///
    /// Names and values cannot contain the separators ambiguously: a newline or `=` in a
    /// value is escaped first.
    package static func of(_ labels: [String: String]) -> String {
        let text = labels.keys.sorted().map { key in
            escape(key) + "=" + escape(labels[key]!)
        }.joined(separator: "\n")
        return String(Hex.encode(SHA256.hash(text)).prefix(16))
    }

    private static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "=": escaped += "\\="
            default: escaped.append(character)
            }
        }
        return escaped
    }
}

/// What one evaluation looked at and found. Alerts of rules it did not evaluate are left
/// alone: a run that stopped on bad data says nothing about consent violations.
package struct AlertEvaluation: Sendable {
    package var jobID: String
    /// The period the evaluation covers: reruns of it never page again for the same alert.
    package var periodLabel: String
    package var periodStart: Int64
    package var periodEnd: Int64
    package var runNumber: Int64?
    package var evaluatedRules: Set<String>
    package var candidates: [AlertCandidate]
    /// Where the compliance report and the evidence CSV of this period are.
    package var links: AlertLinks
}

/// Links a notification carries: URLs under `report_base_url`, file paths otherwise.
package struct AlertLinks: Sendable, Equatable {
    package var complianceReport: String
    package var evidenceCSV: String

    package static func make(job: JobDefinition, periodLabel: String, reportFolder: String) -> AlertLinks {
        if let base = job.reportBaseURL {
            let root = base.hasSuffix("/") ? String(base.dropLast()) : base
            let folder = root + "/" + job.id + "/" + periodLabel
            return AlertLinks(complianceReport: folder + "/compliance.html", evidenceCSV: folder + "/violations.csv")
        }
        return AlertLinks(complianceReport: reportFolder + "/compliance.html", evidenceCSV: reportFolder + "/violations.csv")
    }
}
