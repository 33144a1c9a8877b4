import Digests

/// An RFC 5322 message with MIME parts (RFC 2045, 2046), built byte for byte the same
/// from the same inputs: the boundary and `Message-ID` are derived from the content,
/// and `Date` comes from the injected clock.
///
/// Layout: `multipart/mixed` holding a `multipart/alternative` (plain text first, then
/// the HTML report: the last alternative is the preferred one) and one part per
/// attachment. Every body part is base64 with lines of 76 characters, so the message is
/// 7-bit clean whatever the report contains; the subject is an RFC 2047 encoded word
/// when it is not plain ASCII.
package struct MIMEMessage: Sendable {
    package struct Attachment: Sendable {
        package var fileName: String
        package var contentType: String
        package var bytes: [UInt8]

        package init(fileName: String, contentType: String, bytes: [UInt8]) {
            self.fileName = fileName
            self.contentType = contentType
            self.bytes = bytes
        }
    }

    package var from: String
    package var to: [String]
    package var cc: [String] = []
    package var subject: String
    /// Milliseconds since the epoch (the run's clock).
    package var date: Int64
    package var text: String
    package var html: String
    package var attachments: [Attachment] = []

    package init(from: String, to: [String], subject: String, date: Int64, text: String, html: String) {
        self.from = from
        self.to = to
        self.subject = subject
        self.date = date
        self.text = text
        self.html = html
    }

    /// The `Message-ID` (with angle brackets), unique per content and instant.
    package var messageID: String {
        let domain = from.split(separator: "@").last.map(String.init) ?? "tierwatch.invalid"
        let digest = Hex.encode(SHA256.hash("\(date)\n\(to.joined(separator: ","))\n\(subject)\n\(html.utf8.count)\n\(text)"))
        return "<tierwatch.\(digest.prefix(32))@\(domain)>"
    }

    /// The whole message with CRLF line ends, ready for SMTP `DATA`.
    package func rendered() -> String {
        let seed = Hex.encode(SHA256.hash(subject + "\n" + text + "\n" + html))
        let mixed = "=_tw_mixed_" + seed.prefix(24)
        let alternative = "=_tw_alt_" + seed.prefix(24)
        var lines: [String] = [
            "Date: " + Self.rfc5322Date(date),
            "From: " + from,
            "To: " + to.joined(separator: ", "),
        ]
        if !cc.isEmpty { lines.append("Cc: " + cc.joined(separator: ", ")) }
        lines += [
            "Subject: " + Self.encodedWords(subject, prefixLength: "Subject: ".count),
            "Message-ID: " + messageID,
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
            "Content-Type: multipart/mixed; boundary=\"\(mixed)\"",
            "",
            "This is a MIME message: the report is in its HTML part.",
            "--" + mixed,
            "Content-Type: multipart/alternative; boundary=\"\(alternative)\"",
            "",
            "--" + alternative,
        ]
        lines += Self.part(contentType: "text/plain; charset=utf-8", bytes: Array(text.utf8))
        lines.append("--" + alternative)
        lines += Self.part(contentType: "text/html; charset=utf-8", bytes: Array(html.utf8))
        lines.append("--" + alternative + "--")
        for attachment in attachments {
            lines.append("--" + mixed)
            lines += Self.part(
                contentType: attachment.contentType + "; name=\"\(attachment.fileName)\"", bytes: attachment.bytes,
                disposition: "attachment; filename=\"\(attachment.fileName)\"")
        }
        lines.append("--" + mixed + "--")
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    private static func part(contentType: String, bytes: [UInt8], disposition: String? = nil) -> [String] {
        var lines = ["Content-Type: " + contentType, "Content-Transfer-Encoding: base64"]
        if let disposition { lines.append("Content-Disposition: " + disposition) }
        lines.append("")
        lines += base64Lines(bytes)
        return lines
    }

    /// Base64 in lines of at most 76 characters (RFC 2045 §6.8).
    package static func base64Lines(_ bytes: [UInt8]) -> [String] {
        let encoded = Base64.encode(bytes)
        var lines: [String] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[index..<end]))
            index = end
        }
        return lines
    }

    /// The size of `bytes` once base64-encoded in 76-character lines with CRLF.
    package static func base64Size(_ count: Int) -> Int {
        let characters = (count + 2) / 3 * 4
        return characters + (characters + 75) / 76 * 2
    }

    /// `text` as is when it is printable ASCII, else RFC 2047 "B" encoded words of UTF-8,
    /// each at most 75 characters, split between characters (never inside one), folded
    /// onto continuation lines.
    package static func encodedWords(_ text: String, prefixLength: Int) -> String {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) && prefixLength + text.utf8.count <= 998 { return text }
        // "=?utf-8?B?" + "?=" is 12 characters; 60 base64 characters carry 45 bytes.
        let maxBytes = 45
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > maxBytes && !chunk.isEmpty {
                words.append("=?utf-8?B?" + Base64.encode(chunk) + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?utf-8?B?" + Base64.encode(chunk) + "?=") }
        return words.joined(separator: "\r\n ")
    }

    /// `Mon, 23 Nov 2026 06:00:00 +0000` (RFC 5322 §3.3), in UTC.
    package static func rfc5322Date(_ millis: Int64) -> String {
        let iso = CivilCalendar.utcString(millis)  // 2026-11-23T06:00:00Z
        let parts = iso.split(whereSeparator: { $0 == "-" || $0 == "T" || $0 == "Z" || $0 == "." })
        let year = Int(parts[0]) ?? 1970, month = Int(parts[1]) ?? 1, day = Int(parts[2]) ?? 1
        let time = parts.count > 3 ? String(parts[3]) : "00:00:00"
        let days = Int(millis >= 0 ? millis / 86_400_000 : (millis - 86_399_999) / 86_400_000)
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][((days % 7) + 7) % 7]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(weekday), \(day < 10 ? "0" : "")\(day) \(months[month - 1]) \(year) \(time) +0000"
    }
}
