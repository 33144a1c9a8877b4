import Foundation
import Testing

/// The figure files that must not depend on where the inputs came from.
private let figureFiles = ["metrics_by_tier.csv", "metrics_by_campaign.csv", "privacy_by_tier.csv", "surveys_by_tier.csv", "violations.csv"]

/// The bundled weekly job, with its events `path` replaced by `events` (JSON members).
private func weeklyJob(_ w: Workspace, id: String, events: String? = nil, extra: String = "") throws {
    if !FileManager.default.fileExists(atPath: w.jobs + "/sample-data") {
        try FileManager.default.createSymbolicLink(atPath: w.jobs + "/sample-data", withDestinationPath: packageRoot + "/Jobs/sample-data")
    }
    var text = try String(contentsOfFile: packageRoot + "/Jobs/weekly-executive.json", encoding: .utf8)
    if let events {
        let local = #""path": "sample-data/events/events-*.csv.gz","#
        #expect(text.contains(local))
        text = text.replacingOccurrences(of: local, with: events + ",")
    }
    if !extra.isEmpty { text = text.replacingOccurrences(of: "\"schemaVersion\": 1,", with: "\"schemaVersion\": 1,\n" + extra + ",") }
    try w.write(text, to: "Jobs/\(id).json")
}

private var sampleEventFiles: [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: packageRoot + "/Jobs/sample-data/events")) ?? []).filter { $0.hasSuffix(".csv.gz") }.sorted()
}

/// The `path`s a run's manifest lists for one input.
private func manifestPaths(_ w: Workspace, _ folder: String, input: String = "events") throws -> [String] {
    let data = try #require(w.data(folder + "/manifest.json"))
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let inputs = object["inputs"] as? [[String: Any]] ?? []
    return inputs.filter { $0["input"] as? String == input }.compactMap { $0["path"] as? String }
}

@Suite("Remote inputs and mail, against real servers on 127.0.0.1", .serialized)
struct RemoteSourceTests {
    // MARK: - done-when: the weekly job from each kind of source

    @Test("the example weekly job gives byte-identical figures from HTTPS pages, SFTP and S3 as from local files", arguments: ["https", "sftp", "s3"])
    func weeklyJobFromEachSource(kind: String) throws {
        let servers = try RemoteServers.get()
        let w = try Workspace()
        let folder = "weekly-\(kind)-" + UUID().uuidString.prefix(8)
        let files = sampleEventFiles
        try #require(files.count > 9)
        let events: String
        switch kind {
        case "https":
            for name in files {
                try servers.put(Data(contentsOf: URL(fileURLWithPath: packageRoot + "/Jobs/sample-data/events/" + name)), at: folder + "/" + name, root: servers.httpRoot)
            }
            events = #""path": "\#(servers.httpsBase)/pages/\#(folder)", "pagination": {"type": "link"}, "headers": {"Authorization": "Bearer ${EXPORT_TOKEN}"}, "ca_file": "\#(servers.caFile)""#
        case "sftp":
            for name in files {
                try servers.put(Data(contentsOf: URL(fileURLWithPath: packageRoot + "/Jobs/sample-data/events/" + name)), at: folder + "/" + name, root: servers.sftpRoot)
            }
            try servers.put(Data("not an export".utf8), at: folder + "/README.txt", root: servers.sftpRoot)
            events = #""path": "\#(servers.sftpBase)\#(servers.sftpRoot)/\#(folder)/events-*.csv.gz", "identity_file": "\#(servers.sshKey)", "known_hosts": "\#(servers.knownHosts)""#
        default:
            try servers.upload(files.map { (packageRoot + "/Jobs/sample-data/events/" + $0, "\(folder)/daily/" + $0) })
            events = #""path": "s3://exports/\#(folder)/daily/", "s3": {"endpoint": "\#(servers.s3Endpoint)", "region": "eu-north-1"}"#
        }
        try weeklyJob(w, id: "local")
        try weeklyJob(w, id: "remote", events: events)
        let local = try w.tierwatch(["run", "local", "--period", "2026-W46"], environment: servers.environment)
        let remote = try w.tierwatch(["run", "remote", "--period", "2026-W46"], environment: servers.environment)
        #expect(local.status == 1 && remote.status == 1, "the sample week has violations below fail_on: \(remote.stderr)")
        for name in figureFiles {
            let expected = try #require(w.data("Reports/local/2026-W46/" + name))
            #expect(w.data("Reports/remote/2026-W46/" + name) == expected, "\(kind): \(name) differs from the local run")
        }
        let paths = try manifestPaths(w, "Reports/remote/2026-W46")
        if kind == "https" {
            #expect(paths.count == files.count, "every page of the export is read")
            #expect(paths.first == "\(servers.httpsBase)/pages/\(folder)")
        } else {
            // The ISO week 2026-W46 in Stockholm is 8 Nov 23:00Z to 15 Nov 23:00Z: exactly the
            // eight UTC-dated daily files it overlaps, no more.
            let expected = (8...15).map { "events-2026-11-\($0 < 10 ? "0" : "")\($0).csv.gz" }
            #expect(paths.map { String($0.split(separator: "/").last ?? "") } == expected)
            #expect(paths.allSatisfy { $0.hasPrefix(kind == "s3" ? "s3://exports/\(folder)/daily/" : "sftp://127.0.0.1:") }, "\(paths)")
        }
        #expect(!remote.stderr.contains(servers.string("http_token")) && !remote.stderr.contains(servers.string("aws_secret_access_key")))
    }

    // MARK: - HTTPS

    /// A one-file HTTPS job over the canonical small data set; returns the file's URL path.
    private func httpsJob(_ w: Workspace, _ servers: RemoteServers, route: String = "files", events: [String] = cleanEvents, extra: String = "") throws -> String {
        let name = "single-" + UUID().uuidString.prefix(8) + "/events.csv"
        try smallDataSet(w, events: events, consents: [grantS1])
        try servers.put(try #require(w.data("Jobs/data/events.csv")), at: name, root: servers.httpRoot)
        let job = """
            {"schemaVersion": 1, "period": "daily", "timezone": "UTC",
             "inputs": {"events": {"path": "\(servers.httpsBase)/\(route)/\(name)", "headers": {"Authorization": "Bearer ${EXPORT_TOKEN}", "Accept": "text/csv"},
                                   "ca_file": "\(servers.caFile)", "retry_delay_seconds": 0\(extra)},
                        "consents": {"path": "data/consents.csv"}},
             "outputs": {"small_cell_k": 0}}
            """
        try w.write(job, to: "Jobs/audit.json")
        return "/\(route)/\(name)"
    }

    @Test("an HTTPS export is fetched once with the job's headers, reused on a rerun, and revalidated with If-None-Match on --refetch")
    func httpsCachingAndConditionalRequests() throws {
        let servers = try RemoteServers.get()
        let w = try Workspace()
        let path = try httpsJob(w, servers)
        func requests() -> [(path: String, status: Int, headers: [String: String])] { servers.httpRequests().filter { $0.path == path } }

        let first = try w.tierwatch(["run", "audit", "--period", "2026-11-22"], environment: servers.environment)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.isEmpty && first.stderr.isEmpty, "quiet on success")
        #expect(requests().map(\.status) == [200])
        #expect(requests().first?.headers["authorization"] == "Bearer " + servers.string("http_token"))
        #expect(requests().first?.headers["accept"] == "text/csv")
        let report = try w.snapshot("Reports/audit/2026-11-22")
        #expect(try manifestPaths(w, "Reports/audit/2026-11-22") == [servers.httpsBase + path])

        // The token is read from the environment at fetch time and written nowhere.
        let token = Data(servers.string("http_token").utf8)
        for (name, bytes) in try w.snapshot("") where !name.hasSuffix(".sqlite3") {
            #expect(bytes.range(of: token) == nil, "\(name) holds the token")
        }

        let rerun = try w.tierwatch(["run", "audit", "--period", "2026-11-22"], environment: servers.environment)
        #expect(rerun.status == 0)
        #expect(requests().count == 1, "a rerun of the same period reads the cache")
        #expect(try w.snapshot("Reports/audit/2026-11-22") == report)

        let refetch = try w.tierwatch(["run", "audit", "--period", "2026-11-22", "--refetch"], environment: servers.environment)
        #expect(refetch.status == 0)
        #expect(requests().map(\.status) == [200, 304], "unchanged: not downloaded twice")
        #expect(requests().last?.headers["if-none-match"]?.hasPrefix("\"") == true)
        #expect(requests().last?.headers["if-modified-since"] != nil)
        #expect(try w.snapshot("Reports/audit/2026-11-22") == report, "same bytes, same reports")

        // The export changes: a refetch downloads it and the figures follow.
        let changed = cleanEvents + ["e9,2026-11-22T11:00:00Z,s1,c1,Autumn,one_to_many,email,delivered,,,device,personalization,EU"]
        try servers.put(Data(([Canonical.eventsHeader] + changed).joined(separator: "\n").utf8 + [0x0A]), at: String(path.dropFirst("/files/".count)), root: servers.httpRoot)
        let third = try w.tierwatch(["run", "audit", "--period", "2026-11-22", "--refetch"], environment: servers.environment)
        #expect(third.status == 0)
        #expect(requests().map(\.status) == [200, 304, 200])
        let tiers = try w.read("Reports/audit/2026-11-22/metrics_by_tier.csv")
        #expect(tiers.contains("\none_to_many,2,"), "one more delivery than before: \(tiers)")
    }

    @Test("a download killed half-way leaves nothing a later run trusts; the next run downloads it again")
    func killedDownload() throws {
        let servers = try RemoteServers.get()
        let w = try Workspace()
        _ = try httpsJob(w, servers, route: "slow")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tierwatchBinary)
        process.arguments = ["run", "audit", "--period", "2026-11-22", "--jobs", w.jobs, "--reports", w.reports, "--state", w.state]
        process.environment = ProcessInfo.processInfo.environment.merging(servers.environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The slow route trickles 64 bytes every quarter second: after 1.5 s the download is mid-way.
        usleep(1_500_000)
        #expect(process.isRunning, "still downloading")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let cache = w.root + "/state/cache/audit/2026-11-22/events"
        let left = (try? FileManager.default.contentsOfDirectory(atPath: cache)) ?? []
        #expect(left.allSatisfy { $0.hasSuffix(".partial") || $0.hasPrefix(".") || $0 == "manifest.json" } , "only a partial file may be left: \(left)")
        #expect(!w.exists("Reports/audit/2026-11-22"), "no report from a killed run")
        let next = try w.tierwatch(["run", "audit", "--period", "2026-11-22"], environment: servers.environment, timeout: 120)
        #expect(next.status == 0, "\(next.stderr)")
        let tiers = try w.read("Reports/audit/2026-11-22/metrics_by_tier.csv")
        #expect(tiers.contains("\none_to_many,1,1,0,1,0,0,0,1,1,"), "\(tiers)")
    }

    @Test("a server that never answers trips the transfer timeout, is retried, and ends as a temporary failure")
    func hangingServer() throws {
        let servers = try RemoteServers.get()
        let w = try Workspace()
        _ = try httpsJob(w, servers, route: "hang", extra: #", "timeout_seconds": 2, "retries": 1"#)
        let started = Date()
        let result = try w.tierwatch(["run", "audit", "--period", "2026-11-22"], environment: servers.environment, timeout: 60)
        #expect(result.status == 75, "\(result.stderr)")
        #expect(result.stderr.contains("gave up after 2 attempts"), "\(result.stderr)")
        #expect(Date().timeIntervalSince(started) < 20, "two attempts of at most 2 s each")
        #expect(!result.stderr.contains(servers.string("http_token")))
    }

    @Test("a cached download that no longer matches its manifest, a partial file, or an unlisted file is never trusted")
    func damagedCacheIsRefetched() throws {
        let servers = try RemoteServers.get()
        let w = try Workspace()
        let path = try httpsJob(w, servers)
        #expect(try w.tierwatch(["run", "audit", "--period", "2026-11-22"], environment: servers.environment).status == 0)
        let report = try w.snapshot("Reports/audit/2026-11-22")
        let cache = w.root + "/state/cache/audit/2026-11-22/events"
        let cached = try #require(try FileManager.default.contentsOfDirectory(atPath: cache).first { $0.hasPrefix("page-") })
        // What a kill mid-download leaves behind, and a file truncated after the fact.
        try Data("e1,2026-11-22T08:00:00Z,half".utf8).write(to: URL(fileURLWithPath: cache + "/" + cached + ".partial"))
        try Data("ev".utf8).write(to: URL(fileURLWithPath: cache + "/page-0002.csv"))
        try Data(Canonical.eventsHeader.utf8).write(to: URL(fileURLWithPath: cache + "/" + cached))

        let rerun = try w.tierwatch(["run", "audit", "--period", "2026-11-22"], environment: servers.environment)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(servers.httpRequests().filter { $0.path == path }.map(\.status) == [200, 200], "the damaged copy is downloaded again")
        #expect(try w.snapshot("Reports/audit/2026-11-22") == report)
        let left = try FileManager.default.contentsOfDirectory(atPath: cache).sorted()
        #expect(left == [cached, "manifest.json"].sorted(), "leftovers are removed: \(left)")
    }

    @Test("HTTPS failures: 404 and 401 fail at once naming the input and the URL without secrets, 503 is retried, an unknown CA is refused")
    func httpsFailures() throws {
        let servers = try RemoteServers.get()
        let w = try Workspace()
        _ = try httpsJob(w, servers)
        func job(_ url: String, caFile: Bool = true) throws {
            try w.write(
                """
                {"schemaVersion": 1, "period": "daily", "timezone": "UTC",
                 "inputs": {"events": {"path": "\(url)", "headers": {"Authorization": "Bearer ${EXPORT_TOKEN}"}, "retry_delay_seconds": 0\(caFile ? ", \"ca_file\": \"\(servers.caFile)\"" : "")},
                            "consents": {"path": "data/consents.csv"}}}
                """, to: "Jobs/audit.json")
        }
        let before = servers.httpRequests().count
        try job(servers.httpsBase + "/status/404?signature=query-secret-123")
        let missing = try w.tierwatch(["run", "audit", "--period", "2026-11-22"], environment: servers.environment)
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("events: \(servers.httpsBase)/status/404 answered 404"), "\(missing.stderr)")
        #expect(!missing.stderr.contains("query-secret-123"))
        #expect(servers.httpRequests().count == before + 1, "a 404 is not retried")

        try job(servers.httpsBase + "/status/401")
        let unauthorized = try w.tierwatch(["run", "audit", "--period", "2026-11-22"], environment: servers.environment)
        #expect(unauthorized.status == 66)
        #expect(unauthorized.stderr.contains("answered 401"))
        #expect(servers.httpRequests().count == before + 2)

        var noToken = servers.environment
        noToken["EXPORT_TOKEN"] = nil
        let unset = try w.tierwatch(["run", "audit", "--period", "2026-11-22"], environment: noToken)
        #expect(unset.status == 78)
        #expect(unset.stderr.contains("EXPORT_TOKEN is not set"), "\(unset.stderr)")

        // The flaky route answers 503 once; the retry gets the file.
        let flakyPath = "flaky-" + UUID().uuidString.prefix(8) + "/events.csv"
        try servers.put(try #require(w.data("Jobs/data/events.csv")), at: flakyPath, root: servers.httpRoot)
        try job(servers.httpsBase + "/flaky/" + flakyPath)
        let flaky = try w.tierwatch(["run", "audit", "--period", "2026-11-22"], environment: servers.environment)
        #expect(flaky.status == 0, "\(flaky.stderr)")
        #expect(servers.httpRequests().filter { $0.path == "/flaky/" + flakyPath }.map(\.status) == [503, 200])

        try job(servers.httpsBase + "/files/" + flakyPath, caFile: false)
        let untrusted = try w.tierwatch(["run", "audit", "--period", "2026-11-22", "--refetch"], environment: servers.environment)
        #expect(untrusted.status == 66, "the test CA is not in the system store: \(untrusted.stderr)")
        #expect(untrusted.stderr.contains("curl error 60"), "\(untrusted.stderr)")
    }

    @Test("a JSON-lines API paged by a cursor field gives the same figures as the same rows in a CSV file")
    func cursorPagination() throws {
        let servers = try RemoteServers.get()
        let w = try Workspace()
        try smallDataSet(w, events: cleanEvents, consents: [grantS1])
        try w.write(Canonical.job(), to: "Jobs/local.json")
        #expect(try w.tierwatch(["run", "local", "--period", "2026-11-22"]).status == 0)

        let name = "api-" + UUID().uuidString.prefix(8)
        let columns = Canonical.eventsHeader.split(separator: ",").map(String.init)
        let records = cleanEvents.map { line -> String in
            let values = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let members = zip(columns, values).map { column, value -> String in
                if column == "data_categories" { return "\"\(column)\": [\(value.split(separator: ";").map { "\"\($0)\"" }.joined(separator: ", "))]" }
                if value.isEmpty { return "\"\(column)\": null" }
                return "\"\(column)\": \"\(value)\""
            }
            return "{" + members.joined(separator: ", ") + "}"
        }
        // Three pages: cursor 1 (no parameter), "p2", "p3"; the last names no next cursor.
        try servers.put(Data((records[0...1].joined(separator: "\n") + "\n{\"next_cursor\": \"p2\"}\n").utf8), at: name + ".1.jsonl", root: servers.httpRoot)
        try servers.put(Data(("{\"next_cursor\": \"p3\"}\n" + records[2] + "\n").utf8), at: name + ".p2.jsonl", root: servers.httpRoot)
        try servers.put(Data((records[3] + "\n{\"next_cursor\": null}\n").utf8), at: name + ".p3.jsonl", root: servers.httpRoot)
        try w.write(
            """
            {"schemaVersion": 1, "period": "daily", "timezone": "UTC",
             "inputs": {"events": {"path": "\(servers.httpsBase)/jsonl/\(name)", "headers": {"Authorization": "Bearer ${EXPORT_TOKEN}"},
                                   "ca_file": "\(servers.caFile)", "pagination": {"type": "cursor", "field": "next_cursor", "param": "cursor"}},
                        "consents": {"path": "data/consents.csv"}}}
            """, to: "Jobs/api.json")
        let result = try w.tierwatch(["run", "api", "--period", "2026-11-22"], environment: servers.environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(servers.httpRequests().filter { $0.path.hasPrefix("/jsonl/" + name) }.map(\.path) == ["/jsonl/\(name)", "/jsonl/\(name)?cursor=p2", "/jsonl/\(name)?cursor=p3"])
        for file in figureFiles {
            #expect(w.data("Reports/api/2026-11-22/" + file) == w.data("Reports/local/2026-11-22/" + file), "\(file)")
        }
    }

    // MARK: - SFTP and S3 refusals

    @Test("an SFTP server whose host key is not in known_hosts is refused, and a job without known_hosts does not validate")
    func sftpUnknownHostKey() throws {
        let servers = try RemoteServers.get()
        let w = try Workspace()
        try weeklyJob(w, id: "other", events: #""path": "\#(servers.sftpBase)\#(servers.sftpRoot)/events-*.csv.gz", "identity_file": "\#(servers.sshKey)", "known_hosts": "\#(servers.otherKnownHosts)""#)
        let refused = try w.tierwatch(["run", "other", "--period", "2026-W46"], environment: servers.environment)
        #expect(refused.status == 66)
        #expect(refused.stderr.contains("host key") && refused.stderr.contains(servers.otherKnownHosts), "\(refused.stderr)")
        #expect(!w.exists("Reports/other/2026-W46"))

        try weeklyJob(w, id: "unchecked", events: #""path": "\#(servers.sftpBase)/data/events-*.csv.gz", "identity_file": "key""#)
        let invalid = try w.tierwatch(["validate", "unchecked"])
        #expect(invalid.status == 78)
        #expect(invalid.stderr.contains("known_hosts"), "\(invalid.stderr)")
    }

    @Test("S3 rejects a request signed with a wrong secret key; the error names the input and the bucket, never the key")
    func s3WrongSecret() throws {
        let servers = try RemoteServers.get()
        let w = try Workspace()
        try weeklyJob(w, id: "s3", events: #""path": "s3://exports/nothing-here/", "s3": {"endpoint": "\#(servers.s3Endpoint)", "region": "eu-north-1"}"#)
        var environment = servers.environment
        environment["AWS_SECRET_ACCESS_KEY"] = "wrong-secret-key-0000000000000000000000"
        let result = try w.tierwatch(["run", "s3", "--period", "2026-W46"], environment: environment)
        #expect(result.status == 66)
        #expect(result.stderr.contains("events: s3://exports/nothing-here/ answered 403 (forbidden) SignatureDoesNotMatch"), "\(result.stderr)")
        #expect(!result.stderr.contains("wrong-secret-key"))

        environment["AWS_SECRET_ACCESS_KEY"] = nil
        let unset = try w.tierwatch(["run", "s3", "--period", "2026-W46"], environment: environment)
        #expect(unset.status == 78)
        #expect(unset.stderr.contains("AWS_SECRET_ACCESS_KEY"))
    }

    // MARK: - mail

    private func mailJob(
        _ w: Workspace, _ servers: RemoteServers, id: String = "weekly", port: String = "smtp_starttls_port", scheme: String = "smtp",
        extra: String = ""
    ) throws {
        let mail = """
            "report_base_url": "https://reports.example.com/tierwatch",
            "mail": {"smtp": "\(scheme)://127.0.0.1:\(servers.int(port))", "from": "tierwatch@example.com",
                     "to": ["cmo@example.com", "compliance@example.se"], "cc": "cfo@example.com",
                     "subject": "Veckorapport {period}: samtycke åäö — Отчёт за неделю {from}",
                     "username_env": "SMTP_USER", "password_env": "SMTP_PASS", "ca_file": "\(servers.caFile)"\(extra)}
            """
        try weeklyJob(w, id: id, extra: mail)
    }

    @Test("smtps:// speaks TLS from the first byte, verifies the server against the job's CA, and authenticates")
    func mailOverImplicitTLS() throws {
        let servers = try RemoteServers.get()
        let w = try Workspace()
        try mailJob(w, servers, port: "smtps_port", scheme: "smtps")
        let before = servers.messages("smtps")
        let result = try w.tierwatch(["run", "weekly", "--period", "2026-W46", "--now", "2026-11-23T06:00:00Z"], environment: servers.environment)
        #expect(result.status == 1, "\(result.stderr)")
        let sent = servers.messages("smtps").filter { !before.contains($0) }
        try #require(sent.count == 1)
        let mail = try ParsedMail(sent[0])
        #expect(mail.envelope["tls"] as? Bool == true && mail.envelope["authenticated"] as? Bool == true)
        #expect(mail.subject == "Veckorapport 2026-W46: samtycke åäö — Отчёт за неделю 2026-11-09")
        #expect(!result.stderr.contains(servers.string("smtp_password")))
    }

    @Test("deliver --replay resends a mail now, as the same message (same Message-ID)")
    func replayMail() throws {
        let servers = try RemoteServers.get()
        let w = try Workspace()
        try mailJob(w, servers)
        let before = servers.messages("starttls")
        #expect(try w.tierwatch(["run", "weekly", "--period", "2026-W46", "--now", "2026-11-23T06:00:00Z"], environment: servers.environment).status == 1)
        let first = servers.messages("starttls").filter { !before.contains($0) }
        try #require(first.count == 1)
        let replay = try w.tierwatch(["deliver", "--replay", "1", "--now", "2026-11-24T06:00:00Z"], environment: servers.environment)
        #expect(replay.status == 0, "\(replay.stderr)")
        let sent = servers.messages("starttls").filter { !before.contains($0) }
        try #require(sent.count == 2)
        let (a, b) = (try ParsedMail(sent[0]), try ParsedMail(sent[1]))
        #expect(a.json["message_id"] as? String == b.json["message_id"] as? String)
        #expect(a.subject == b.subject)
    }

    @Test("the weekly report is mailed over STARTTLS with AUTH: UTF-8 subject, text and HTML alternatives, CSV attachments, Date and Message-ID")
    func mailTheReport() throws {
        let servers = try RemoteServers.get()
        let w = try Workspace()
        try mailJob(w, servers)
        let before = servers.messages("starttls")
        let result = try w.tierwatch(["run", "weekly", "--period", "2026-W46", "--now", "2026-11-23T06:00:00Z"], environment: servers.environment)
        #expect(result.status == 1, "\(result.stderr)")
        let sent = servers.messages("starttls").filter { !before.contains($0) }
        try #require(sent.count == 1)
        let mail = try ParsedMail(sent[0])
        #expect(mail.subject == "Veckorapport 2026-W46: samtycke åäö — Отчёт за неделю 2026-11-09")
        #expect(mail.envelope["tls"] as? Bool == true && mail.envelope["authenticated"] as? Bool == true)
        #expect(mail.envelope["mail_from"] as? String == "tierwatch@example.com")
        #expect((mail.envelope["rcpt_tos"] as? [String])?.sorted() == ["cfo@example.com", "cmo@example.com", "compliance@example.se"])
        #expect(mail.json["date"] as? String == "Mon, 23 Nov 2026 06:00:00 +0000")
        #expect((mail.json["message_id"] as? String)?.hasSuffix("@example.com>") == true)
        #expect(mail.json["mime_version"] as? String == "1.0")
        #expect((mail.json["defects"] as? [Any])?.isEmpty == true, "\(mail.json["defects"] ?? "")")
        #expect(mail.json["ascii_only"] as? Bool == true && mail.json["bare_lf"] as? Int == 0)
        #expect((mail.json["max_line"] as? Int ?? 999) <= 998)
        let tree = mail.json["tree"] as? [Any] ?? []
        #expect(tree.first as? String == "multipart/mixed")
        #expect(tree.dropFirst().first as? [String] == ["multipart/alternative", "text/plain", "text/html"])
        #expect(mail.part("text/html") == (try w.read("Reports/weekly/2026-W46/executive.html")), "the HTML report is the body, intact")
        #expect(mail.part("text/plain").contains("https://reports.example.com/tierwatch/weekly/2026-W46/executive.html"))
        let csvs = try FileManager.default.contentsOfDirectory(atPath: w.reports + "/weekly/2026-W46").filter {
            $0.hasSuffix(".csv") && $0 != "violations.csv" && $0 != "rejected.csv"
        }
        #expect(Set(mail.attachments.keys) == Set(csvs))
        for (name, content) in mail.attachments {
            #expect(content == (try w.read("Reports/weekly/2026-W46/" + name)), "\(name) arrives byte for byte")
        }

        // A rerun of the same period over the same inputs mails nothing new.
        let rerun = try w.tierwatch(["run", "weekly", "--period", "2026-W46", "--now", "2026-11-23T07:00:00Z"], environment: servers.environment)
        #expect(rerun.status == 1)
        #expect(servers.messages("starttls").filter { !before.contains($0) }.count == 1)
    }

    @Test("mail requires STARTTLS unless the job says otherwise; a refused send stays in the outbox without changing the run's status")
    func mailRequiresTLS() throws {
        let servers = try RemoteServers.get()
        let w = try Workspace()
        try mailJob(w, servers, id: "strict", port: "smtp_plain_port")
        let before = servers.messages("plain")
        let strict = try w.tierwatch(["run", "strict", "--period", "2026-W46"], environment: servers.environment)
        #expect(strict.status == 1, "the run's own status: \(strict.stderr)")
        #expect(servers.messages("plain") == before, "nothing is sent in clear text")
        let history = try w.tierwatch(["alerts", "history"])
        let line = history.stdout.split(separator: "\n").first { $0.contains("strict") && $0.contains("mail") }
        #expect(line?.contains("pending") == true, "\(history.stdout)")

        try weeklyJob(w, id: "lenient", extra: """
            "mail": {"smtp": "smtp://127.0.0.1:\(servers.int("smtp_plain_port"))", "from": "tierwatch@example.com", "to": "cmo@example.com", "require_tls": false}
            """)
        let lenient = try w.tierwatch(["run", "lenient", "--period", "2026-W46"], environment: servers.environment)
        #expect(lenient.status == 1)
        let sent = servers.messages("plain").filter { !before.contains($0) }
        try #require(sent.count == 1)
        let mail = try ParsedMail(sent[0])
        #expect(mail.envelope["tls"] as? Bool == false)
        #expect(mail.subject == "Personalization pyramid: weekly executive report: 2026-W46")
    }

    @Test("an attachment above the size limit becomes a link and a note, and --no-deliver mails nothing")
    func attachmentLimitAndNoDeliver() throws {
        let servers = try RemoteServers.get()
        let w = try Workspace()
        try mailJob(w, servers, extra: #", "attachment_limit_bytes": 1000"#)
        let before = servers.messages("starttls")
        let quiet = try w.tierwatch(["run", "weekly", "--period", "2026-W45", "--no-deliver"], environment: servers.environment)
        #expect(quiet.status <= 1)
        #expect(servers.messages("starttls") == before)
        let delivered = try w.tierwatch(["deliver"], environment: servers.environment)
        #expect(delivered.status == 0)
        #expect(servers.messages("starttls") == before, "--no-deliver queues no mail for later either")

        let result = try w.tierwatch(["run", "weekly", "--period", "2026-W46"], environment: servers.environment)
        #expect(result.status == 1)
        let sent = servers.messages("starttls").filter { !before.contains($0) }
        try #require(sent.count == 1)
        let mail = try ParsedMail(sent[0])
        let campaign = try #require(w.data("Reports/weekly/2026-W46/metrics_by_campaign.csv"))
        #expect(campaign.count > 1000)
        #expect(mail.attachments["metrics_by_campaign.csv"] == nil)
        let link = "https://reports.example.com/tierwatch/weekly/2026-W46/metrics_by_campaign.csv"
        #expect(mail.part("text/plain").contains("metrics_by_campaign.csv (\(campaign.count) bytes) is above the attachment limit of 1000 bytes; it is at \(link)"))
        #expect(mail.part("text/html").contains(link))
        #expect(mail.attachments.values.reduce(0) { $0 + $1.utf8.count } * 4 / 3 <= 1000)
    }
}
