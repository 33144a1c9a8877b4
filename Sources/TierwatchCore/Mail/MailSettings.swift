/// The job's `mail` section: where and to whom the executive report is mailed.
///
/// Credentials are named, never held: `username_env` and `password_env` are read from
/// the environment at send time.
package struct MailSettings: Sendable, Equatable {
    /// `smtp://host[:port]` (STARTTLS) or `smtps://host[:port]` (TLS from the start).
    package var smtpURL: String
    package var from: String
    package var to: [String]
    package var cc: [String] = []
    /// The subject; `{period}`, `{from}`, `{to}`, `{job}` and `{title}` are replaced.
    package var subject = "{title}: {period}"
    package var usernameEnvironment: String?
    package var passwordEnvironment: String?
    /// STARTTLS must succeed on `smtp://` (default); false sends in clear text when the
    /// server offers no STARTTLS.
    package var requireTLS = true
    package var caFile: String?
    /// Total base64 size of the attachments; a CSV that does not fit becomes a link and a note.
    package var attachmentLimitBytes = 10_000_000
    /// Report files attached (default: every CSV of the report but the per-row evidence).
    package var attachments: [String]?
    package var timeoutSeconds = 60

    static func read(_ cursor: JSONCursor) -> MailSettings? {
        guard
            let members = cursor.object(allowed: [
                "smtp", "from", "to", "cc", "subject", "username_env", "password_env", "require_tls", "ca_file",
                "attachment_limit_bytes", "attachments", "timeout_seconds",
            ])
        else { return nil }
        var ok = true
        func required(_ key: String) -> JSONCursor? {
            if let member = members[key] { return member }
            cursor.problem("missing key \"\(key)\"")
            ok = false
            return nil
        }
        let url = required("smtp")?.string() ?? ""
        if !url.isEmpty && !(url.lowercased().hasPrefix("smtp://") || url.lowercased().hasPrefix("smtps://")) {
            members["smtp"]?.problem("expected smtp://host[:port] (STARTTLS) or smtps://host[:port]")
            ok = false
        }
        if url.contains("@") {
            members["smtp"]?.problem("credentials do not belong in the URL; use username_env and password_env")
            ok = false
        }
        func address(_ member: JSONCursor, _ text: String) -> Bool {
            let parts = text.split(separator: "@", omittingEmptySubsequences: false)
            let valid =
                parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
                && !text.utf8.contains { $0 <= 0x20 || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: ",") || $0 >= 0x7F }
            if !valid { member.problem("\"\(text)\" is not a mail address (local@domain)") }
            return valid
        }
        let from = required("from").flatMap { member in member.string().flatMap { address(member, $0) ? $0 : nil } } ?? ""
        func list(_ key: String) -> [String] {
            guard let member = members[key] else { return [] }
            if case .array = member.value {
                return (member.array() ?? []).compactMap { item in item.string().flatMap { address(item, $0) ? $0 : nil } }
            }
            return member.string().flatMap { address(member, $0) ? [$0] : nil } ?? []
        }
        let to = list("to")
        if members["to"] == nil { cursor.problem("missing key \"to\"") }
        guard ok, !from.isEmpty, !to.isEmpty else { return nil }
        var settings = MailSettings(smtpURL: url, from: from, to: to)
        settings.cc = list("cc")
        settings.subject = members["subject"]?.string() ?? settings.subject
        settings.usernameEnvironment = members["username_env"]?.string()
        settings.passwordEnvironment = members["password_env"]?.string()
        if (settings.usernameEnvironment == nil) != (settings.passwordEnvironment == nil) {
            cursor.problem("username_env and password_env go together")
        }
        settings.requireTLS = members["require_tls"]?.bool() ?? true
        settings.caFile = members["ca_file"]?.string()
        settings.attachmentLimitBytes = members["attachment_limit_bytes"]?.integer(in: 0...100_000_000) ?? settings.attachmentLimitBytes
        settings.attachments = members["attachments"]?.strings()
        settings.timeoutSeconds = members["timeout_seconds"]?.integer(in: 1...600) ?? settings.timeoutSeconds
        return settings
    }
}
