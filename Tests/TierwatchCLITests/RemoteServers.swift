import Foundation
import Testing

/// The real servers of `Tests/Support/remote_servers.py` (HTTPS with a test CA, sshd,
/// moto S3, two aiosmtpd), started once per test process on first use.
///
/// The script stops itself (and sshd) when this process exits, so there is no teardown.
final class RemoteServers: @unchecked Sendable {
    static let shared: Result<RemoteServers, any Error> = Result { try RemoteServers() }

    static func get() throws -> RemoteServers { try shared.get() }

    let folder: String
    private let info: [String: Any]
    private let process: Process

    private init() throws {
        folder = NSTemporaryDirectory() + "tierwatch-remote-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", packageRoot + "/Tests/Support/remote_servers.py", folder]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        let log = folder + "/servers.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: log)
        try process.run()
        let deadline = Date().addingTimeInterval(90)
        while !FileManager.default.fileExists(atPath: folder + "/servers.json") {
            guard process.isRunning, Date() < deadline else {
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                throw ServerStartError(log: String(text.suffix(2000)))
            }
            usleep(50_000)
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/servers.json"))
        info = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    struct ServerStartError: Error, CustomStringConvertible {
        var log: String
        var description: String { "the test servers did not start:\n\(log)" }
    }

    func string(_ key: String) -> String { info[key] as? String ?? "" }
    func int(_ key: String) -> Int { info[key] as? Int ?? 0 }

    var httpsBase: String { "https://127.0.0.1:\(int("https_port"))" }
    var caFile: String { string("ca_file") }
    var httpRoot: String { string("http_root") }
    var sftpBase: String { "sftp://\(string("sftp_user"))@127.0.0.1:\(int("sftp_port"))" }
    var sftpRoot: String { string("sftp_root") }

    /// Environment for runs against these servers (credentials as a job would get them).
    var environment: [String: String] {
        [
            "TIERWATCH_PSEUDONYM_KEY": "test-key", "EXPORT_TOKEN": string("http_token"),
            "AWS_ACCESS_KEY_ID": string("aws_access_key_id"), "AWS_SECRET_ACCESS_KEY": string("aws_secret_access_key"),
            "SMTP_USER": string("smtp_user"), "SMTP_PASS": string("smtp_password"),
        ]
    }

    /// Every HTTPS request the server answered so far: path, status, lower-cased headers.
    func httpRequests() -> [(path: String, status: Int, headers: [String: String])] {
        guard let text = try? String(contentsOfFile: string("http_log"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return (object["path"] as? String ?? "", object["status"] as? Int ?? 0, object["headers"] as? [String: String] ?? [:])
        }
    }

    /// Writes `bytes` under the HTTPS server's root (or the SFTP root).
    func put(_ bytes: Data, at relative: String, root: String) throws {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try bytes.write(to: URL(fileURLWithPath: path))
    }

    /// Uploads files to the bucket `exports` with boto3, signed with the test user's key.
    func upload(_ files: [(local: String, key: String)]) throws {
        let pairs = files.map { "(\"\($0.local)\", \"\($0.key)\")" }.joined(separator: ", ")
        let script = """
            import boto3
            s3 = boto3.client("s3", endpoint_url="\(string("s3_endpoint"))", region_name="eu-north-1",
                              aws_access_key_id="\(string("aws_access_key_id"))", aws_secret_access_key="\(string("aws_secret_access_key"))")
            for local, key in [\(pairs)]:
                s3.upload_file(local, "exports", key)
            """
        let result = try runProcess("/usr/bin/env", ["python3", "-c", script])
        if result.status != 0 { throw ServerStartError(log: "upload failed: " + result.stderr) }
    }

    /// Captured messages of one SMTP server (`starttls` or `plain`), oldest first.
    func messages(_ server: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: string("mail_dir"))) ?? []
        return names.filter { $0.hasPrefix(server + "-") && $0.hasSuffix(".json") }.sorted().map {
            string("mail_dir") + "/" + $0.dropLast(".json".count)
        }
    }

    var s3Endpoint: String { string("s3_endpoint") }
    var sshKey: String { string("ssh_key") }
    var knownHosts: String { string("known_hosts") }
    var otherKnownHosts: String { string("other_known_hosts") }
}

/// A captured message as Python's `email` package reads it (Tests/Support/mail_parse.py).
struct ParsedMail {
    let json: [String: Any]
    let envelope: [String: Any]

    init(_ base: String) throws {
        let result = try runProcess("/usr/bin/env", ["python3", packageRoot + "/Tests/Support/mail_parse.py", base + ".eml"])
        json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        envelope = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: base + ".json"))) as? [String: Any] ?? [:]
    }

    var subject: String { json["subject"] as? String ?? "" }
    var parts: [[String: Any]] { json["parts"] as? [[String: Any]] ?? [] }
    var attachments: [String: String] {
        var result: [String: String] = [:]
        for part in parts where part["disposition"] as? String == "attachment" {
            result[part["filename"] as? String ?? ""] = part["content"] as? String ?? ""
        }
        return result
    }
    /// The content of the first inline part of `type` (`text/plain`, `text/html`).
    func part(_ type: String) -> String {
        parts.first { $0["type"] as? String == type && !($0["disposition"] is String) }?["content"] as? String ?? ""
    }
}
