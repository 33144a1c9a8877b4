import Foundation
import Testing

/// The test servers, in one Python script: `files` serves a directory (plus
/// `/echo-headers` and `/redirect`), `hang` accepts connections and never
/// answers, `closed` reports a port nobody listens on.
private let serverScript = #"""
import http.server, os, signal, socket, sys

# The parent test thread's blocked signals are inherited; unblock them so the
# server can be stopped normally too.
signal.pthread_sigmask(signal.SIG_SETMASK, [])

mode, port_file = sys.argv[1], sys.argv[2]

def publish(port):
    # Written then renamed, so the test never reads a half-written file.
    with open(port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(port_file + ".tmp", port_file)

if mode in ("hang", "closed"):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    if mode == "closed":
        s.close()
        publish(port)
        sys.exit(0)
    s.listen(16)
    publish(port)
    held = []
    while True:
        conn, _ = s.accept()
        held.append(conn)

root = sys.argv[3]

class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=root, **kwargs)

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/echo-headers":
            body = "".join(f"{k}: {v}\n" for k, v in self.headers.items()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Twice", "one")
            self.send_header("x-twice", "two")
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/echo-headers")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            super().do_GET()

    def do_POST(self):
        # Echoes the method, the content type and the body; /busy answers 429 with Retry-After.
        length = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(length)
        if self.path == "/busy":
            self.send_response(429)
            self.send_header("Retry-After", "120")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = (self.command + "\n" + self.headers.get("Content-Type", "") + "\n").encode() + data
        self.send_response(201)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):
        self.do_POST()

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
publish(server.server_address[1])
server.serve_forever()
"""#

/// A temporary directory, removed by ``remove()``.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("http-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let file = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A Python test server on 127.0.0.1; ``stop()`` must be called (use `defer`).
final class TestServer {
    enum Mode: String { case files, hang, closed }

    let port: Int
    private let process: Process
    private let scratch: TemporaryDirectory

    /// Starts the server and waits (at most 10 s) for it to publish its port.
    init(_ mode: Mode, serving root: String = "/nonexistent") throws {
        scratch = try TemporaryDirectory()
        let script = try scratch.write(Array(serverScript.utf8), to: "server.py")
        let portFile = scratch.path + "/port"
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, mode.rawValue, portFile, root]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()

        let deadline = ContinuousClock.now + .seconds(10)
        var port: Int?
        while port == nil, ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8) {
                port = Int(text)
            } else {
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
        guard let port else {
            process.terminate()
            process.waitUntilExit()
            scratch.remove()
            throw TestServerError.didNotStart
        }
        self.port = port
    }

    /// Stops the server and removes its script.
    ///
    /// SIGKILL, not `terminate()`: a child spawned from a Swift Testing worker
    /// thread inherits that thread's blocked signal mask (SIGTERM included),
    /// so SIGTERM would be held forever and `waitUntilExit` would hang.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        scratch.remove()
    }
}

enum TestServerError: Error { case didNotStart }
