import Foundation
/// Builds the mail of a finished run from its published report and queues it in the outbox.
///
/// The HTML executive report is the body (it is self-contained), a plain-text summary the
/// alternative, and the report's CSVs the attachments. Attachments are taken in name order
/// while their base64 size fits `attachment_limit_bytes`; one that does not fit is named in
/// a note with its link (`report_base_url`, or its path), never dropped silently. One
/// message per run id: rerunning a period over the same inputs mails nothing new.
package struct MailQueue {
    package let store: StateStore
    package let context: RunContext

    package init(store: StateStore, context: RunContext) {
        self.store = store
        self.context = context
    }

    /// Files never attached by default: they list rows (pseudonymised subjects, rejected input).
    static let rowLevelFiles: Set<String> = ["violations.csv", "rejected.csv"]

    @discardableResult
    package func enqueue(
        job: JobDefinition, period: ReportPeriod, runID: String, status: RunStatus, summary: String, reportFolder: String
    ) throws(TierwatchError) -> Int64? {
        guard let mail = job.mail, !context.noDeliver else { return nil }
        let message = try build(mail, job: job, period: period, status: status, summary: summary, reportFolder: reportFolder)
        var options: [(String, JSONText)] = [
            ("from", .string(mail.from)), ("to", .array((mail.to + mail.cc).map { .string($0) })),
            ("require_tls", .bool(mail.requireTLS)),
        ]
        if let name = mail.usernameEnvironment { options.append(("username_env", .string(name))) }
        if let caFile = mail.caFile {
            let path = caFile.hasPrefix("/") || job.directory.isEmpty ? caFile : job.directory + "/" + caFile
            options.append(("ca_file", .string(path)))
        }
        return try store.enqueueMail(
            jobID: job.id, receiver: "mail", smtpURL: mail.smtpURL, passwordEnvironment: mail.passwordEnvironment,
            timeoutSeconds: mail.timeoutSeconds, message: message.rendered(), summary: message.subject,
            options: JSONText.object(options).rendered, dedupeKey: "mail\n\(job.id)\n\(period.label)\n\(runID)", at: context.now)
    }

    /// The message for one run (separate from queueing, for tests and previews).
    package func build(
        _ mail: MailSettings, job: JobDefinition, period: ReportPeriod, status: RunStatus, summary: String, reportFolder: String
    ) throws(TierwatchError) -> MIMEMessage {
        guard let htmlBytes = FileTree.readFile(reportFolder + "/executive.html") else {
            throw TierwatchError(.ioError, "cannot read \(reportFolder)/executive.html for the mail")
        }
        let calendar = try? PeriodCalendar(timeZoneIdentifier: job.timeZone)
        func day(_ instant: Int64) -> String {
            guard let d = calendar?.localDate(of: instant) else { return "" }
            return "\(d.year)-\(d.month < 10 ? "0" : "")\(d.month)-\(d.day < 10 ? "0" : "")\(d.day)"
        }
        let subject = mail.subject.replacingOccurrences(of: "{period}", with: period.label)
            .replacingOccurrences(of: "{from}", with: day(period.start)).replacingOccurrences(of: "{to}", with: day(period.end - 1))
            .replacingOccurrences(of: "{job}", with: job.id).replacingOccurrences(of: "{title}", with: job.title)
        let base = job.reportBaseURL.map { ($0.hasSuffix("/") ? String($0.dropLast()) : $0) + "/\(job.id)/\(period.label)" }
        let names =
            mail.attachments
            ?? FileTree.list(reportFolder).filter { $0.hasSuffix(".csv") && !Self.rowLevelFiles.contains($0) }
                .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var attachments: [MIMEMessage.Attachment] = []
        var notes: [String] = []
        var budget = mail.attachmentLimitBytes
        for name in names {
            guard !name.contains("/"), let bytes = FileTree.readFile(reportFolder + "/" + name) else {
                notes.append("\(name) is not in the report folder.")
                continue
            }
            let size = MIMEMessage.base64Size(bytes.count)
            if size <= budget {
                budget -= size
                attachments.append(.init(fileName: name, contentType: name.hasSuffix(".csv") ? "text/csv; charset=utf-8" : "application/octet-stream", bytes: bytes))
            } else {
                let link = base.map { "\($0)/\(name)" } ?? "\(reportFolder)/\(name)"
                notes.append("\(name) (\(bytes.count) bytes) is above the attachment limit of \(mail.attachmentLimitBytes) bytes; it is at \(link)")
            }
        }
        var text = "\(job.title): \(period.label) (\(day(period.start)) to \(day(period.end - 1)), \(job.timeZone))\n"
        text += "Status: \(status.rawValue)\n\n"
        text += summary.split(separator: "\n").first.map { String($0) + "\n\n" } ?? ""
        text += "The report is the HTML part of this message"
        text += base.map { "; online: \($0)/executive.html and \($0)/compliance.html.\n" } ?? ".\n"
        if !attachments.isEmpty { text += "Attached: " + attachments.map(\.fileName).joined(separator: ", ") + ".\n" }
        if !notes.isEmpty { text += "\nNot attached:\n" + notes.map { "- " + $0 }.joined(separator: "\n") + "\n" }
        var html = String(decoding: htmlBytes, as: UTF8.self)
        if !notes.isEmpty, let body = html.range(of: "<body") .flatMap({ html[$0.upperBound...].firstIndex(of: ">") }) {
            let note =
                "\n<p class=\"mail-note\"><strong>Not attached:</strong> "
                + notes.map(HTMLPage.escape).joined(separator: "<br>") + "</p>"
            html.insert(contentsOf: note, at: html.index(after: body))
        }
        var message = MIMEMessage(from: mail.from, to: mail.to, subject: subject, date: context.now, text: text, html: html)
        message.cc = mail.cc
        message.attachments = attachments
        return message
    }
}
