import Foundation
import Testing
import TierwatchCore

@Suite("Alert building blocks")
struct AlertUnitTests {
    @Test("each retry waits its Standard Webhooks step plus at most 10% jitter, the same for the same notification")
    func retryDelays() {
        for (index, base) in RetrySchedule.delays.enumerated() {
            let delay = RetrySchedule.delay(afterAttempt: index + 1, webhookID: "msg_abc")!
            #expect(delay >= base * 1000 && delay <= base * 1100)
            #expect(delay == RetrySchedule.delay(afterAttempt: index + 1, webhookID: "msg_abc"))
        }
        #expect(RetrySchedule.delay(afterAttempt: RetrySchedule.maxAttempts, webhookID: "msg_abc") == nil)
        #expect(Array(RetrySchedule.delays.prefix(7)) == [5, 300, 1800, 7200, 18_000, 36_000, 36_000])
    }

    @Test("Retry-After is read as seconds or as an IMF-fixdate, capped at a day", arguments: [
        ("120", 120_000 as Int64?), ("0", 0), ("Sun, 06 Nov 1994 08:51:37 GMT", 120_000), ("999999", 86_400_000),
        ("soon", nil), ("Sunday, 06-Nov-94 08:49:37 GMT", nil),
    ])
    func retryAfter(value: String, expected: Int64?) {
        let now: Int64 = 784_111_777_000  // 1994-11-06T08:49:37Z
        #expect(RetrySchedule.retryAfter(value, now: now) == expected)
    }

    @Test("signatures match the reference standardwebhooks library, one per secret during a rotation")
    func signatureMatchesReference() throws {
        let secrets = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw whsec_c2Vjb25kLXNlY3JldC1mb3ItdGVzdHM="
        let body = #"{"type":"tierwatch.alerts","x":"é"}"#
        let ours = StandardWebhooks.signature(
            keys: try StandardWebhooks.keys(secrets), id: "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", timestamp: 1_674_087_231,
            body: Array(body.utf8))
        var expected: [String] = []
        for secret in secrets.split(separator: " ") {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "python3", "-c",
                "import sys, datetime; from standardwebhooks.webhooks import Webhook; print(Webhook(sys.argv[1]).sign(sys.argv[2], datetime.datetime.fromtimestamp(int(sys.argv[3]), tz=datetime.timezone.utc), sys.argv[4]))",
                String(secret), "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", "1674087231", body,
            ]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            expected.append(String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect(ours == expected.joined(separator: " "))
        #expect(throws: StandardWebhooks.SecretError.self) { try StandardWebhooks.keys("not-a-secret") }
    }

    @Test("a fingerprint depends on the labels, not their order, and separators cannot collide")
    func fingerprints() {
        #expect(AlertFingerprint.of(["a": "1", "b": "2"]) == AlertFingerprint.of(["b": "2", "a": "1"]))
        #expect(AlertFingerprint.of(["a": "1\nb=2"]) != AlertFingerprint.of(["a": "1", "b": "2"]))
        #expect(AlertFingerprint.of(["a": "1"]).count == 16)
    }

    @Test("plain http is allowed only to loopback or when explicitly allowed", arguments: [
        ("https://hooks.example.com/x", false, true), ("http://127.0.0.1:8080/x", false, true), ("http://localhost/x", false, true),
        ("http://[::1]:9/x", false, true), ("http://hooks.example.com/x", false, false), ("http://hooks.example.com/x", true, true),
        ("http://127.0.0.1.evil.com/x", false, false), ("http://user@127.0.0.1/x", false, false), ("ftp://x", true, false),
    ])
    func loopbackRule(url: String, allowInsecure: Bool, allowed: Bool) {
        #expect((ReceiverURL.problem(url, allowInsecure: allowInsecure) == nil) == allowed)
    }

    @Test("durations read s, m, h and d", arguments: [("90s", 90 as Int64?), ("30m", 1800), ("24h", 86_400), ("7d", 604_800), ("1w", nil), ("h", nil)])
    func durations(text: String, seconds: Int64?) {
        #expect(AlertSettings.duration(text) == seconds)
    }
}
