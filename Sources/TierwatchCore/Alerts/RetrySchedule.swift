import Digests

/// When a failed notification is tried again.
///
/// The Standard Webhooks schedule (immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
/// 10 h after each failure), continued with 10-hour steps to about three days: 12 attempts
/// over 67 h 35 min. Each delay gets up to 10% jitter so receivers recovering from an
/// outage are not hit by every sender at once. The jitter comes from a hash of the
/// notification's id and the attempt, not from a random source: the same notification
/// always gets the same schedule, so tests and replays are reproducible.
package enum RetrySchedule {
    /// Seconds to wait after failed attempt n (index n - 1); attempt 1 is immediate.
    package static let delays: [Int64] = [5, 300, 1800, 7200, 18_000, 36_000, 36_000, 36_000, 36_000, 36_000, 36_000]

    package static var maxAttempts: Int { delays.count + 1 }

    /// Milliseconds to wait after failed attempt `attempt` (1-based), or nil when it was the last.
    package static func delay(afterAttempt attempt: Int, webhookID: String) -> Int64? {
        guard attempt >= 1, attempt <= delays.count else { return nil }
        let base = delays[attempt - 1] * 1000
        let digest = SHA256.hash("\(webhookID)#\(attempt)")
        let permille = Int64((UInt16(digest[0]) << 8 | UInt16(digest[1])) % 101)
        return base + base * permille / 1000
    }

    /// Milliseconds a `Retry-After` value asks for: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
    ///
    /// Capped at a day, so one bad header cannot park a notification for good.
    package static func retryAfter(_ value: String, now: Int64) -> Int64? {
        let trimmed = value.trimmingCharacters(in: " ")
        if let seconds = Int64(trimmed), seconds >= 0 { return min(seconds, 86_400) * 1000 }
        guard let date = HTTPDate.parse(trimmed) else { return nil }
        return max(0, min(date - now, 86_400_000))
    }
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the only HTTP-date form senders may use.
enum HTTPDate {
    static func parse(_ text: String) -> Int64? {
        let parts = text.split(separator: " ")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]), let monthIndex = months.firstIndex(of: String(parts[2])),
            let year = Int(parts[3])
        else { return nil }
        let time = parts[4].split(separator: ":").compactMap { Int($0) }
        guard time.count == 3 else { return nil }
        let iso = "\(year)-\(pad(monthIndex + 1))-\(pad(day))T\(pad(time[0])):\(pad(time[1])):\(pad(time[2]))Z"
        return Array(iso.utf8).withUnsafeBytes { FieldParsers.instant($0) }
    }

    private static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
}

extension String {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        guard let start = firstIndex(where: { $0 != character }), let end = lastIndex(where: { $0 != character }) else { return "" }
        return String(self[start...end])
    }
}
