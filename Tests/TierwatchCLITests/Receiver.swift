import Foundation
import Testing

/// A webhook receiver on 127.0.0.1 that verifies every Standard Webhooks signature with the
/// reference `standardwebhooks` library (PyPI) and logs each request as one JSON line.
///
/// The path's first segment says how to answer: `ok` (204), `500`, `429` (Retry-After:
/// 120), `503` (Retry-After: an HTTP-date 300 s ahead), `410`, `302`, `hang` (never answers),
/// `slow` (204 after 0.3 s, so a sender can be killed mid-batch), `close` (closes the
/// connection in the middle of a response).
private let receiverScript = #"""
import http.server, json, os, signal, sys, threading, time
from email.utils import formatdate
from standardwebhooks.webhooks import Webhook

signal.pthread_sigmask(signal.SIG_SETMASK, [])
port_file, log_file, secret = sys.argv[1], sys.argv[2], sys.argv[3]
lock = threading.Lock()

class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        verified, problem = None, ""
        if "webhook-signature" in headers:
            try:
                Webhook(secret).verify(body, headers)
                verified = True
            except Exception as e:
                verified, problem = False, str(e)
        mode = self.path.strip("/").split("/")[0]
        with lock, open(log_file, "a") as f:
            f.write(json.dumps({"path": self.path, "headers": headers, "body": body.decode(), "verified": verified,
                                "problem": problem, "received": time.time()}) + "\n")
        if mode == "hang":
            time.sleep(30)
            return
        if mode == "slow":
            time.sleep(0.3)
        if mode == "close":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart")
            self.wfile.flush()
            self.close_connection = True
            return
        status = {"ok": 204, "slow": 204, "500": 500, "429": 429, "503": 503, "410": 410, "302": 302}.get(mode, 404)
        self.send_response(status)
        if status == 429:
            self.send_header("Retry-After", "120")
        if status == 503:
            self.send_header("Retry-After", formatdate(time.time() + 300, usegmt=True))
        if status == 302:
            self.send_header("Location", "/ok")
        self.send_header("Content-Length", "0")
        self.end_headers()

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
"""#

/// One request the receiver saw.
struct ReceivedRequest {
    var path: String
    var headers: [String: String]
    var body: String
    /// nil when the request carried no signature.
    var verified: Bool?
    var problem: String

    var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) }
}

/// The receiver process; ``stop()`` must be called (use `defer`).
final class WebhookReceiver {
    /// The secret the receiver verifies with (what the job's `secret_env` variable holds).
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    let port: Int
    private let process: Process
    private let folder: String

    init() throws {
        folder = NSTemporaryDirectory() + "receiver-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try receiverScript.write(toFile: folder + "/receiver.py", atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", folder + "/receiver.py", folder + "/port", folder + "/log.jsonl", Self.secret]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let deadline = Date().addingTimeInterval(15)
        var port: Int?
        while port == nil && Date() < deadline {
            if let text = try? String(contentsOfFile: folder + "/port", encoding: .utf8) { port = Int(text) } else { usleep(20_000) }
        }
        guard let port else {
            kill(process.processIdentifier, SIGKILL)
            throw TestServerError.didNotStart
        }
        self.port = port
    }

    func url(_ mode: String) -> String { "http://127.0.0.1:\(port)/\(mode)" }

    /// Every request so far, in arrival order.
    var requests: [ReceivedRequest] {
        guard let text = try? String(contentsOfFile: folder + "/log.jsonl", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return ReceivedRequest(
                path: object["path"] as? String ?? "", headers: object["headers"] as? [String: String] ?? [:],
                body: object["body"] as? String ?? "", verified: object["verified"] as? Bool, problem: object["problem"] as? String ?? "")
        }
    }

    /// SIGKILL: a child of a Swift Testing thread inherits its blocked SIGTERM.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: folder)
    }
}

enum TestServerError: Error { case didNotStart }
