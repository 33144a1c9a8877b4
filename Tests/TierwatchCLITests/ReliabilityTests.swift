import Foundation
import Testing

/// How hard the reliability suite attacks: a few tries in `make test`, the documented counts
/// in `make reliability` (`TIERWATCH_RELIABILITY=full`).
enum ReliabilityScale {
    static let full = ProcessInfo.processInfo.environment["TIERWATCH_RELIABILITY"] == "full"
    static func tries(test: Int, full count: Int) -> Int { full ? count : test }
}

/// One row of the table `make reliability` prints: what was tried, how often, how many
/// times every promise held, and what was lost. Appended to `TIERWATCH_RELIABILITY_TABLE`
/// (tab-separated) when that is set, and printed.
enum ReliabilityTable {
    static func record(_ attack: String, tries: Int, survived: Int, lost: Int) {
        let row = "\(attack)\t\(tries)\t\(survived)\t\(lost)\n"
        print("reliability: " + row, terminator: "")
        guard let path = ProcessInfo.processInfo.environment["TIERWATCH_RELIABILITY_TABLE"] else { return }
        if let handle = FileHandle(forWritingAtPath: path) {
            handle.seekToEndOfFile()
            handle.write(Data(row.utf8))
            handle.closeFile()
        } else {
            _ = FileManager.default.createFile(atPath: path, contents: Data(row.utf8))
        }
    }
}

/// A seeded generator, so the kill instants of a run can be replayed (the seed is printed).
struct KillInstants {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// SplitMix64, then a fraction in [0, 1).
    mutating func next() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }
}

@Suite("Reliability: killed runs and deliveries, full disks, read-only state, concurrent runs", .serialized)
struct ReliabilityTests {
    static let period = "2026-W47"
    static let now = "2026-11-23T06:00:00Z"

    /// A generated week with every kind of violation (so alerts fire and the outbox is
    /// written) and a webhook receiver; the job's reports are big enough that a run takes a
    /// measurable time.
    func generatedJob(events: Int, receiver: WebhookReceiver) throws -> Workspace {
        try Workspace.generatedWeek(
            events: events,
            extra: #""alerts": {"rules": {"input_freshness": false}, "receivers": [{"name": "hook", "type": "webhook", "url": "\#(receiver.url("ok"))", "secret_env": "TW_HOOK_SECRET"}]}"#)
    }

    static let environment = ["TIERWATCH_PSEUDONYM_KEY": "test-key", "TW_HOOK_SECRET": WebhookReceiver.secret]

    /// `PRAGMA integrity_check` of the state database, through the sqlite3 shell.
    static func integrity(_ path: String) throws -> String {
        try runProcess("/usr/bin/sqlite3", [path, "PRAGMA integrity_check;"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func sql(_ path: String, _ query: String) throws -> [String] {
        try runProcess("/usr/bin/sqlite3", ["-separator", "\t", path, query]).stdout.split(separator: "\n").map(String.init)
    }

    /// Whether nobody holds the job's lock (flock(1) takes it at once).
    /// Whether process `pid` holds a flock(2) lock, as the kernel lists it in /proc/locks
    /// ("1: FLOCK  ADVISORY  WRITE 4242 08:01:1234 0 EOF").
    static func holdsFlock(pid: Int32) -> Bool {
        guard let text = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else { return false }
        return text.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            return fields.count > 4 && fields[1] == "FLOCK" && fields[4] == Substring(String(pid))
        }
    }

    static func lockIsFree(_ w: Workspace, job: String) throws -> Bool {
        let path = w.root + "/state/locks/\(job).lock"
        guard FileManager.default.fileExists(atPath: path) else { return true }
        return try runProcess("/usr/bin/flock", ["-n", path, "true"]).status == 0
    }

    /// Files a reader of the reports folder would pick up that are not finished reports:
    /// temporary files outside the hidden staging folders.
    static func visibleTemporaries(_ root: String) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: root)
        var found: [String] = []
        while let path = enumerator?.nextObject() as? String {
            let parts = path.split(separator: "/")
            if parts.contains(where: { $0.hasPrefix(".") }) { continue }
            if path.contains(".tmp-") { found.append(path) }
        }
        return found
    }

    @Test("kill -9 of a run at random instants: no partial report, state intact, lock released, the next run equal, no alert lost")
    func killedRuns() throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let w = try generatedJob(events: 200_000, receiver: receiver)
        let arguments = ["run", "big", "--period", Self.period, "--now", Self.now]
        let clean = try w.tierwatch(arguments, environment: Self.environment)
        let good = try w.snapshot("Reports/big/\(Self.period)")
        #expect(good.count > 5, "\(clean.stderr)")
        let started = Date()
        try w.tierwatch(arguments, environment: Self.environment)
        let duration = Date().timeIntervalSince(started)

        let tries = ReliabilityScale.tries(test: 6, full: 50)
        let seed = UInt64(Date().timeIntervalSince1970)
        print("reliability: killed runs use seed \(seed)")
        var instants = KillInstants(seed: seed)
        var survived = 0
        var broken: [String] = []
        for attempt in 0..<tries {
            // Spread over the whole run: reading, computing, writing, recording, the outbox.
            let delay = instants.next() * duration * 1.1
            let process = try w.start(arguments, environment: Self.environment)
            usleep(useconds_t(delay * 1_000_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            var problems: [String] = []
            if w.exists("Reports/big/\(Self.period)") {
                if try w.snapshot("Reports/big/\(Self.period)") != good { problems.append("the published report differs from the clean run") }
            } else if !w.exists("Reports/big/.previous-\(Self.period)") {
                problems.append("the report is gone and no .previous copy is left to restore")
            }
            let temporaries = Self.visibleTemporaries(w.reports)
            if !temporaries.isEmpty { problems.append("visible temporary files \(temporaries)") }
            let integrity = try Self.integrity(w.state)
            if integrity != "ok" { problems.append("integrity_check: \(integrity)") }
            if try !Self.lockIsFree(w, job: "big") { problems.append("the lock is still held") }
            if problems.isEmpty {
                survived += 1
            } else {
                broken.append("kill \(attempt + 1) at \(String(format: "%.3f", delay)) s: " + problems.joined(separator: "; "))
            }
        }
        // The next run of the period completes and equals the clean run.
        let next = try w.tierwatch(arguments, environment: Self.environment)
        #expect(next.status == clean.status, "\(next.stderr)")
        #expect(try w.snapshot("Reports/big/\(Self.period)") == good, "the run after the kills equals the clean run")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: w.reports + "/big").filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "\(leftovers)")
        // Every notification in the outbox is delivered; nothing reaches the receiver that is not in it.
        #expect(try w.tierwatch(["deliver", "--now", "2026-11-30T06:00:00Z"], environment: Self.environment).status == 0)
        let outbox = try Self.sql(w.state, "SELECT webhook_id, status FROM outbox ORDER BY id")
        let received = Set(receiver.requests.compactMap { $0.headers["webhook-id"] })
        let ids = Set(outbox.map { String($0.split(separator: "\t")[0]) })
        let lost = ids.subtracting(received).count + received.subtracting(ids).count
        #expect(!outbox.isEmpty, "the job's alerts wrote notifications")
        #expect(outbox.allSatisfy { $0.hasSuffix("\tdelivered") }, "\(outbox)")
        #expect(lost == 0, "outbox \(ids.sorted()) received \(received.sorted())")
        #expect(broken.isEmpty, "\(broken.joined(separator: "\n"))")
        ReliabilityTable.record("kill -9 run (reading … outbox)", tries: tries, survived: survived, lost: broken.count + lost)
    }

    @Test("kill -9 of deliver mid-batch: every notification ends delivered, resent only with the same webhook-id")
    func killedDeliveries() throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let w = try Workspace()
        // Violations on alternate days (firing, resolved, firing, resolved) and three
        // receivers: a dozen notifications, queued by runs that stop right after the outbox commit.
        let days = ["2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25"]
        let violations = ["2026-11-22", "2026-11-24"].enumerated().map { index, day in
            "v\(index),\(day)T11:00:00Z,s2,c1,Autumn,one_to_many,email,delivered,,,device,personalization,EU"
        }
        try smallDataSet(w, events: cleanEvents + violations, consents: [grantS1])
        let hooks = (1...3).map { number in
            let url = receiver.url("slow/\(number)")
            return #"{"name": "hook\#(number)", "type": "webhook", "url": "\#(url)", "secret_env": "TW_HOOK_SECRET"}"#
        }
        try w.write(
            Canonical.job(extra: #""fail_on": "never", "alerts": {"rules": {"input_freshness": false}, "receivers": [\#(hooks.joined(separator: ", "))]}"#),
            to: "Jobs/audit.json")
        var queueing = Self.environment
        queueing["TIERWATCH_TEST_CRASH_AFTER"] = "outbox-write"
        for (index, day) in days.enumerated() {
            let run = try w.tierwatch(["run", "audit", "--period", day, "--now", "2026-11-2\(6 + index)T06:00:00Z"], environment: queueing)
            #expect(run.status == 86, "\(run.stderr)")
        }
        let queued = try Self.sql(w.state, "SELECT webhook_id FROM outbox")
        #expect(queued.count >= 6, "\(queued)")
        #expect(receiver.requests.isEmpty)

        let tries = ReliabilityScale.tries(test: 4, full: 20)
        var instants = KillInstants(seed: UInt64(Date().timeIntervalSince1970))
        let batch = Double(queued.count) * 0.3
        var survived = 0
        for _ in 0..<tries {
            let process = try w.start(["deliver", "--now", "2026-12-06T06:00:00Z"], environment: Self.environment)
            usleep(useconds_t(instants.next() * batch * 1_000_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let statuses = try Self.sql(w.state, "SELECT status FROM outbox")
            if try Self.integrity(w.state) == "ok", statuses.count == queued.count, statuses.allSatisfy({ $0 == "pending" || $0 == "delivered" }) {
                survived += 1
            }
        }
        #expect(try w.tierwatch(["deliver", "--now", "2026-12-06T06:00:00Z"], environment: Self.environment).status == 0)
        let final = try Self.sql(w.state, "SELECT webhook_id, status FROM outbox")
        #expect(final.allSatisfy { $0.hasSuffix("\tdelivered") }, "\(final)")
        let requests = receiver.requests
        let received = requests.compactMap { $0.headers["webhook-id"] }
        let ids = Set(queued)
        let lost = ids.subtracting(received).count + Set(received).subtracting(ids).count
        #expect(lost == 0, "queued \(ids.sorted()), received \(received)")
        #expect(requests.allSatisfy { $0.verified == true }, "every request, resent or not, carries a valid signature")
        print("reliability: \(received.count - ids.count) resend(s) after kills, each with its original webhook-id")
        #expect(survived == tries)
        ReliabilityTable.record("kill -9 deliver (mid-batch)", tries: tries, survived: survived, lost: lost + tries - survived)
    }

    @Test("two runs of one job at once: exactly one runs, the other exits 75")
    func concurrentRuns() throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let w = try generatedJob(events: 100_000, receiver: receiver)
        let arguments = ["run", "big", "--period", Self.period, "--now", Self.now]
        let tries = ReliabilityScale.tries(test: 2, full: 10)
        var survived = 0
        for _ in 0..<tries {
            let first = try w.start(arguments, environment: Self.environment)
            // Wait until the first holds the lock (read from /proc/locks: probing with flock
            // would take the lock for an instant, and a first run trying it then exits 75).
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline, !Self.holdsFlock(pid: first.processIdentifier) { usleep(2_000) }
            let second = try w.tierwatch(arguments, environment: Self.environment)
            first.waitUntilExit()
            if second.status == 75, first.terminationStatus != 75 { survived += 1 }
        }
        #expect(survived == tries)
        ReliabilityTable.record("two runs of one job at once", tries: tries, survived: survived, lost: 0)
    }

    /// Mounts a tmpfs of `kilobytes` at `path` (the suite runs as root on CI); nil, with the
    /// reason printed, where mounting is not allowed.
    static func mountTmpfs(_ path: String, kilobytes: Int) throws -> Bool {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let mounted = try runProcess("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", path])
        if mounted.status != 0 { print("reliability: skipping the full-disk attacks: cannot mount a tmpfs (\(mounted.stderr))") }
        return mounted.status == 0
    }

    static func unmount(_ path: String) { _ = try? runProcess("/usr/bin/umount", ["-l", path]) }

    /// Fills a tmpfs until writes fail.
    static func fill(_ folder: String) {
        let chunk = Data(repeating: 0x41, count: 4096)
        _ = FileManager.default.createFile(atPath: folder + "/filler", contents: nil)
        guard let handle = FileHandle(forWritingAtPath: folder + "/filler") else { return }
        while (try? handle.write(contentsOf: chunk)) != nil {}
        try? handle.close()
    }

    @Test("a full reports disk and a full or read-only state disk: a clear error, the previous report kept, nothing half-written")
    func fullAndReadOnlyDisks() throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let w = try generatedJob(events: 20_000, receiver: receiver)
        let arguments = ["run", "big", "--period", Self.period, "--now", Self.now]
        guard try Self.mountTmpfs(w.reports, kilobytes: 16 * 1024) else { return }
        defer { Self.unmount(w.reports) }
        let clean = try w.tierwatch(arguments, environment: Self.environment)
        let good = try w.snapshot("Reports/big/\(Self.period)")
        #expect(!good.isEmpty, "\(clean.stderr)")

        // Reports disk full: the run fails saying so; the published report is untouched.
        Self.fill(w.reports)
        let full = try w.tierwatch(arguments, environment: Self.environment)
        let reportKept = try w.snapshot("Reports/big/\(Self.period)") == good
        #expect(full.status != 0 && full.stderr.contains("No space left"), "\(full.status) \(full.stderr)")
        print("reliability: reports disk full: exit \(full.status): \(full.stderr.prefix(300))")
        #expect(reportKept)
        #expect(Self.visibleTemporaries(w.reports).isEmpty)
        try FileManager.default.removeItem(atPath: w.reports + "/filler")
        let after = try w.tierwatch(arguments, environment: Self.environment)
        let afterReport = try w.snapshot("Reports/big/\(Self.period)")
        #expect(after.status == clean.status && afterReport == good, "\(after.stderr)")
        ReliabilityTable.record("reports disk full", tries: 1, survived: full.status != 0 && reportKept ? 1 : 0, lost: reportKept ? 0 : 1)

        // State disk full, then read-only: the run fails with the database named; the database stays intact.
        let stateFolder = w.root + "/state"
        let copy = NSTemporaryDirectory() + "state-copy-" + UUID().uuidString
        try FileManager.default.copyItem(atPath: stateFolder, toPath: copy)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try FileManager.default.removeItem(atPath: stateFolder)
        guard try Self.mountTmpfs(stateFolder, kilobytes: 8 * 1024) else { return }
        defer { Self.unmount(stateFolder) }
        for name in try FileManager.default.contentsOfDirectory(atPath: copy) {
            try FileManager.default.copyItem(atPath: copy + "/" + name, toPath: stateFolder + "/" + name)
        }
        Self.fill(stateFolder)
        let stateFull = try w.tierwatch(arguments, environment: Self.environment)
        #expect(stateFull.status != 0 && stateFull.stderr.contains("state"), "\(stateFull.status) \(stateFull.stderr)")
        print("reliability: state disk full: exit \(stateFull.status): \(stateFull.stderr.prefix(300))")
        // Checked once space is back: the sqlite3 shell itself needs room to open the database.
        try FileManager.default.removeItem(atPath: stateFolder + "/filler")
        let integrity = try Self.integrity(w.state)
        let stateOK = integrity == "ok"
        #expect(stateOK, "\(integrity)")
        #expect(try w.snapshot("Reports/big/\(Self.period)") == good)
        ReliabilityTable.record("state disk full", tries: 1, survived: stateFull.status != 0 && stateOK ? 1 : 0, lost: stateOK ? 0 : 1)

        _ = try runProcess("/usr/bin/mount", ["-o", "remount,ro", stateFolder])
        let readOnly = try w.tierwatch(arguments, environment: Self.environment)
        #expect(readOnly.status != 0 && readOnly.stderr.contains("state"), "\(readOnly.status) \(readOnly.stderr)")
        print("reliability: read-only state: exit \(readOnly.status): \(readOnly.stderr.prefix(300))")
        #expect(try w.snapshot("Reports/big/\(Self.period)") == good)
        ReliabilityTable.record("read-only state", tries: 1, survived: readOnly.status != 0 ? 1 : 0, lost: 0)
        _ = try runProcess("/usr/bin/mount", ["-o", "remount,rw", stateFolder])
        let recovered = try w.tierwatch(arguments, environment: Self.environment)
        #expect(recovered.status == clean.status, "after space returns the job runs again: \(recovered.stderr)")
    }
}

extension ReliabilityTests {
    @Test("receivers that fail every way: each notification ends delivered, given up after the schedule, or disabled; never lost, never re-sent under another id")
    func failingReceivers() throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let w = try Workspace()
        let violation = "v0,2026-11-22T11:00:00Z,s2,c1,Autumn,one_to_many,email,delivered,,,device,personalization,EU"
        try smallDataSet(w, events: cleanEvents + [violation], consents: [grantS1])
        // mode -> (final status, attempts): the Standard Webhooks schedule has 12 attempts.
        let expected: [(mode: String, status: String, attempts: Int)] = [
            ("ok", "delivered", 1), ("slow", "delivered", 1), ("500", "failed", 12), ("429", "failed", 12), ("302", "failed", 12),
            ("hang", "failed", 12), ("close", "failed", 12), ("410", "disabled", 1),
        ]
        let hooks = expected.map { item in
            #"{"name": "\#(item.mode)", "type": "webhook", "url": "\#(receiver.url(item.mode))", "secret_env": "TW_HOOK_SECRET", "timeout_seconds": 1}"#
        }
        try w.write(
            Canonical.job(extra: #""fail_on": "never", "alerts": {"rules": {"input_freshness": false}, "receivers": [\#(hooks.joined(separator: ", "))]}"#),
            to: "Jobs/audit.json")
        try w.tierwatch(["run", "audit", "--period", "2026-11-22", "--now", "2026-11-23T06:00:00Z"], environment: Self.environment)
        // Step the clock to each next due attempt until nothing is pending.
        var steps = 0
        while let due = try Self.sql(w.state, "SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'").first.flatMap({ Int64($0) }),
            steps < 200
        {
            let now = Date(timeIntervalSince1970: Double(due / 1000 + 1))
            let formatter = ISO8601DateFormatter()
            let delivered = try w.tierwatch(["deliver", "--now", formatter.string(from: now)], environment: Self.environment)
            steps += 1
            if delivered.stderr.contains("error") { print("reliability: deliver at \(formatter.string(from: now)): \(delivered.stderr.prefix(400))") }
        }
        print("reliability: \(steps) deliver steps; pending now: \(try Self.sql(w.state, "SELECT receiver, next_attempt_at FROM outbox WHERE status = 'pending'"))")
        let rows = try Self.sql(w.state, "SELECT receiver, status, attempts, webhook_id FROM outbox")
        let requests = receiver.requests
        var survived = 0
        for item in expected {
            let row = rows.map { $0.split(separator: "\t").map(String.init) }.first { $0[0] == item.mode }
            let seen = requests.filter { $0.path.hasPrefix("/" + item.mode) }
            let ids = Set(seen.compactMap { $0.headers["webhook-id"] })
            let ok = row?[1] == item.status && row?[2] == String(item.attempts) && seen.count == item.attempts && ids == [row?[3] ?? ""]
            #expect(ok, "\(item.mode): \(row ?? []) with \(seen.count) request(s) under ids \(ids)")
            if ok { survived += 1 }
        }
        #expect(requests.allSatisfy { $0.verified == true })
        ReliabilityTable.record(
            "receivers: 500, 429, 302, timeout, mid-response close, slow, 410", tries: expected.count, survived: survived,
            lost: expected.count - survived)
    }
}

extension ReliabilityTests {
    /// The cells of an RFC 4180 file (quoted fields may hold commas, quotes, CR and LF).
    static func cells(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], cell = "", quoted = false
        var characters = Array(text.unicodeScalars)[...]
        if characters.first == "\u{FEFF}" { characters = characters.dropFirst() }
        var index = characters.startIndex
        while index < characters.endIndex {
            let c = characters[index]
            if quoted {
                if c == "\"" {
                    if index + 1 < characters.endIndex, characters[index + 1] == "\"" { cell.unicodeScalars.append("\""); index += 1 } else { quoted = false }
                } else {
                    cell.unicodeScalars.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                row.append(cell); cell = ""
            } else if c == "\n" {
                row.append(cell); rows.append(row); row = []; cell = ""
            } else if c != "\r" {
                cell.unicodeScalars.append(c)
            }
            index += 1
        }
        if !cell.isEmpty || !row.isEmpty { row.append(cell); rows.append(row) }
        return rows
    }

    @Test("hostile values in every text column: neutral spreadsheet cells, escaped HTML, every row counted, no crash")
    func hostileValues() throws {
        let w = try Workspace()
        let payloads = ["=HYPERLINK(\"http://x\")", "+1+cmd", "-2+cmd", "@SUM(1)", "\tTAB", "\rCR", "<script>alert(1)</script>", "a\u{FEFF}bom"]
        var rows = cleanEvents
        for (index, payload) in payloads.enumerated() {
            let quoted = "\"" + payload.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            rows.append("h\(index),2026-11-22T12:00:00Z,s1,\(quoted),\(quoted),one_to_many,email,delivered,,,device,personalization,EU")
        }
        // Mixed line endings: LF, CRLF and a lone CR end rows alike.
        var text = ([Canonical.eventsHeader] + rows).joined(separator: "\n") + "\r\n"
        text += "m1,2026-11-22T13:00:00Z,s1,c1,Autumn,one_to_many,email,open,,,device,personalization,EU\r\n"
        text += "m2,2026-11-22T13:01:00Z,s1,c1,Autumn,one_to_many,email,open,,,device,personalization,EU\r"
        text += "m3,2026-11-22T13:02:00Z,s1,c1,Autumn,one_to_many,email,open,,,device,personalization,EU\n"
        var bytes = Array(text.utf8)
        // Invalid UTF-8 and a NUL byte inside campaign names.
        bytes += Array("u1,2026-11-22T14:00:00Z,s1,c9,".utf8) + [0xFF, 0xFE, 0x41] + Array(",one_to_many,email,open,,,device,personalization,EU\n".utf8)
        bytes += Array("n1,2026-11-22T14:01:00Z,s1,c9,A".utf8) + [0x00] + Array("B,one_to_many,email,open,,,device,personalization,EU\n".utf8)
        let dataRows = rows.count + 5
        try w.write("", to: "Jobs/data/events.csv")
        try Data(bytes).write(to: URL(fileURLWithPath: w.jobs + "/data/events.csv"))
        try w.write(([Canonical.consentsHeader, grantS1]).joined(separator: "\n") + "\n", to: "Jobs/data/consents.csv")
        try w.write(Canonical.job(extra: #""fail_on": "never""#, maxRejectRate: 1), to: "Jobs/hostile.json")
        let run = try w.tierwatch(["run", "hostile", "--period", "2026-11-22", "--now", "2026-11-23T06:00:00Z"])
        #expect(run.status == 0 || run.status == 1, "a documented status, not a crash: \(run.status) \(run.stderr)")
        let folder = "Reports/hostile/2026-11-22/"
        // Every row is counted: read or rejected with its reason, none silently dropped.
        let manifest = try JSONSerialization.jsonObject(with: Data(try w.read(folder + "manifest.json").utf8)) as? [String: Any]
        let events = (manifest?["inputs"] as? [[String: Any]])?.first { $0["input"] as? String == "events" }
        let read = events?["rows"] as? Int ?? -1, rejected = events?["rejected"] as? Int ?? -1
        let rejectedRows = Self.cells(try w.read(folder + "rejected.csv")).dropFirst().count
        #expect(read == dataRows, "rows read \(read) of \(dataRows) written")
        #expect(rejected == rejectedRows, "the manifest's \(rejected) rejected rows are the ones in rejected.csv (\(rejectedRows))")
        // Spreadsheet CSVs: no cell starts a formula.
        var unsafe: [String] = []
        for file in ["metrics_by_campaign.csv", "rejected.csv", "violations.csv"] where w.exists(folder + file) {
            for row in Self.cells(try w.read(folder + file)) {
                for cell in row where cell.first.map({ "=+@\t\r".contains($0) }) == true || (cell.hasPrefix("-") && Double(cell) == nil) {
                    unsafe.append("\(file): \(cell.debugDescription)")
                }
            }
        }
        #expect(unsafe.isEmpty, "\(unsafe)")
        // HTML: the script payload is text, never markup.
        for page in ["executive.html", "compliance.html"] where w.exists(folder + page) {
            let html = try w.read(folder + page)
            #expect(!html.contains("<script>alert(1)"), "\(page) carries the payload as markup")
        }
        let neutral = unsafe.isEmpty && read == dataRows && rejected == rejectedRows
        ReliabilityTable.record("hostile values (formula prefixes, XSS, invalid UTF-8, NUL, mid-file BOM, mixed EOL)", tries: payloads.count + 5, survived: neutral ? payloads.count + 5 : 0, lost: read == dataRows ? 0 : abs(dataRows - read))
    }

    @Test("a 100 MB field and a million columns: a clear error naming the file and line, in bounded memory")
    func oversizedInput() throws {
        let w = try Workspace()
        try w.write(Canonical.job(extra: #""fail_on": "never""#, consents: false, maxRejectRate: 1), to: "Jobs/big.json")
        let timer = "/usr/bin/time"
        let measure = FileManager.default.isExecutableFile(atPath: timer)
        if !measure { print("reliability: /usr/bin/time is missing (Debian package time): memory is not measured") }
        var survived = 0
        let cases: [(String, (FileHandle) throws -> Void)] = [
            ("a 100 MB field", { handle in
                handle.write(Data((Canonical.eventsHeader + "\n").utf8))
                handle.write(Data("e1,2026-11-22T08:00:00Z,s1,c1,".utf8))
                let chunk = Data(repeating: 0x61, count: 1 << 20)
                for _ in 0..<100 { handle.write(chunk) }
                handle.write(Data(",one_to_many,email,open,,,device,personalization,EU\n".utf8))
            }),
            ("a million columns", { handle in
                handle.write(Data(Canonical.eventsHeader.utf8))
                // Distinct names, so the width itself is what is judged.
                handle.write(Data((1...1_000_000).map { ",x\($0)" }.joined().utf8))
                handle.write(Data("\n".utf8))
                handle.write(Data("e1,2026-11-22T08:00:00Z,s1,c1,Autumn,one_to_many,email,open,,,device,personalization,EU".utf8))
                handle.write(Data(String(repeating: ",v", count: 1_000_000).utf8))
                handle.write(Data("\n".utf8))
            }),
        ]
        for (name, write) in cases {
            let path = w.jobs + "/data/events.csv"
            try FileManager.default.createDirectory(atPath: w.jobs + "/data", withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try write(handle)
            try handle.close()
            let arguments = ["run", "big", "--period", "2026-11-22", "--now", "2026-11-23T06:00:00Z", "--jobs", w.jobs, "--reports", w.reports, "--state", w.state]
            let result = measure
                ? try runProcess(timer, ["-f", "maxrss_kb=%M", tierwatchBinary] + arguments, environment: Self.environment)
                : try runProcess(tierwatchBinary, arguments, environment: Self.environment)
            let rss = result.stderr.split(separator: "\n").last { $0.hasPrefix("maxrss_kb=") }.flatMap { Int($0.dropFirst("maxrss_kb=".count)) }
            let clear = [0, 1, 65, 66].contains(result.status) && (result.status < 2 || result.stderr.contains("events.csv"))
            let bounded = rss.map { $0 < 400 * 1024 } ?? true
            print("reliability: \(name): exit \(result.status), max RSS \(rss.map { "\($0 / 1024) MB" } ?? "not measured"): \(result.stderr.prefix(240))")
            #expect(clear, "\(name): \(result.status) \(result.stderr.prefix(500))")
            #expect(bounded, "\(name): max RSS \(rss ?? 0) kB")
            if clear && bounded { survived += 1 }
            try? FileManager.default.removeItem(atPath: path)
        }
        ReliabilityTable.record("oversized input (100 MB field, 1M columns)", tries: cases.count, survived: survived, lost: 0)
    }
}

extension ReliabilityTests {
    @Test("no raw subject id and no secret in any report, outbox payload, webhook body or message")
    func nothingLeaks() throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let w = try generatedJob(events: 20_000, receiver: receiver)
        let key = "pseudonym-key-7f3a9c1e5b"
        var environment = Self.environment
        environment["TIERWATCH_PSEUDONYM_KEY"] = key
        var messages = ""
        for arguments in [
            ["run", "big", "--period", Self.period, "--now", Self.now], ["deliver", "--now", "2026-11-24T06:00:00Z"],
            ["history", "big"], ["show", "1"], ["alerts"], ["alerts", "history"], ["jobs"],
        ] {
            let result = try w.tierwatch(arguments, environment: environment)
            messages += result.stdout + result.stderr
        }
        // Every subject id of the inputs, and the secrets the run was given.
        let consents = try String(contentsOfFile: w.jobs + "/data/consents.csv", encoding: .utf8)
        let subjects = Set(consents.split(separator: "\n").dropFirst().compactMap { $0.split(separator: ",").first.map(String.init) })
        #expect(subjects.count > 100)
        var haystacks: [(String, String)] = [("messages", messages)]
        for (path, data) in try w.snapshot("Reports") { haystacks.append(("Reports/" + path, String(decoding: data, as: UTF8.self))) }
        haystacks.append(("outbox", try Self.sql(w.state, "SELECT body, summary, last_error FROM outbox").joined(separator: "\n")))
        haystacks.append(("webhook bodies", receiver.requests.map(\.body).joined(separator: "\n")))
        // Subject ids are c-NNNNNN: look for that shape and check it against the inputs.
        func rawIDs(_ text: String) -> [String] {
            var ids: [String] = []
            var scanner = text[...]
            while let range = scanner.range(of: "c-0") {
                let candidate = String(text[range.lowerBound...].prefix(8))
                if subjects.contains(candidate) { ids.append(candidate) }
                scanner = text[range.upperBound...]
            }
            return ids
        }
        #expect(rawIDs(consents).count > 100, "the search finds raw ids where they are (the input itself)")
        var found: [String] = []
        for (name, text) in haystacks {
            for secret in [key, WebhookReceiver.secret] where text.contains(secret) { found.append("\(name): a secret") }
            found += rawIDs(text).map { "\(name): \($0)" }
        }
        #expect(found.isEmpty, "\(found.prefix(20))")
        #expect(haystacks.count > 10, "reports, outbox and bodies were all searched")
        ReliabilityTable.record("raw subject ids and secrets in outputs", tries: haystacks.count, survived: haystacks.count - Set(found.map { $0.split(separator: ":")[0] }).count, lost: found.count)
    }
}

extension ReliabilityTests {
    @Test("a state database of schema 1 or 2 is migrated in place: its history kept, the next run recorded, alerts working")
    func olderSchemas() throws {
        var survived = 0
        let downgrades = [
            // Schema 2: before mail joined the outbox.
            (2, "DROP INDEX outbox_dedupe; ALTER TABLE outbox DROP COLUMN options; ALTER TABLE outbox DROP COLUMN dedupe_key; PRAGMA user_version = 2;"),
            // Schema 1: runs only, before alerts.
            (
                1,
                "DROP TABLE outbox_alerts; DROP TABLE delivery_attempts; DROP TABLE disabled_receivers; DROP TABLE outbox; DROP TABLE silences; DROP TABLE alert_periods; DROP TABLE alerts; PRAGMA user_version = 1;"
            ),
        ]
        for (version, sql) in downgrades {
            let receiver = try WebhookReceiver()
            defer { receiver.stop() }
            let w = try Workspace()
            let violation = "v0,2026-11-22T11:00:00Z,s2,c1,Autumn,one_to_many,email,delivered,,,device,personalization,EU"
            try smallDataSet(w, events: cleanEvents + [violation], consents: [grantS1])
            try w.write(
                Canonical.job(
                    extra: #""fail_on": "never", "alerts": {"rules": {"input_freshness": false}, "receivers": [{"name": "hook", "type": "webhook", "url": "\#(receiver.url("ok"))", "secret_env": "TW_HOOK_SECRET"}]}"#),
                to: "Jobs/audit.json")
            try w.tierwatch(["run", "audit", "--period", "2026-11-21", "--now", "2026-11-23T06:00:00Z", "--no-deliver"], environment: Self.environment)
            let downgraded = try runProcess("/usr/bin/sqlite3", [w.state, sql])
            #expect(downgraded.status == 0, "\(downgraded.stderr)")
            #expect(try Self.sql(w.state, "PRAGMA user_version") == [String(version)])
            let run = try w.tierwatch(["run", "audit", "--period", "2026-11-22", "--now", "2026-11-23T06:00:00Z"], environment: Self.environment)
            let history = try w.tierwatch(["history", "audit"]).stdout
            let migrated = try Self.sql(w.state, "PRAGMA user_version") == ["3"]
            let intact = try Self.integrity(w.state) == "ok"
            let ok = (run.status == 0 || run.status == 1) && migrated && history.contains("2026-11-21") && history.contains("2026-11-22")
                && receiver.requests.count == 1 && intact
            #expect(ok, "schema \(version): run \(run.status) \(run.stderr), history \(history), \(receiver.requests.count) webhook(s)")
            if ok { survived += 1 }
        }
        ReliabilityTable.record("state database of an older schema (1, 2)", tries: downgrades.count, survived: survived, lost: downgrades.count - survived)
    }

    @Test("a corrupt gzip input: a clear error naming the file, no report half-written")
    func corruptGzip() throws {
        let w = try Workspace()
        try smallDataSet(w, events: cleanEvents, consents: [grantS1])
        try w.write(Canonical.job(extra: #""fail_on": "never""#), to: "Jobs/gz.json")
        let good = try runProcess("/usr/bin/gzip", ["-k", w.jobs + "/data/events.csv"])
        #expect(good.status == 0)
        try FileManager.default.removeItem(atPath: w.jobs + "/data/events.csv")
        // Flip bytes in the middle of the deflate stream; the gzip CRC no longer matches.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: w.jobs + "/data/events.csv.gz")))
        for index in stride(from: 20, to: min(bytes.count - 8, 60), by: 3) { bytes[index] ^= 0x5A }
        try Data(bytes).write(to: URL(fileURLWithPath: w.jobs + "/data/events.csv.gz"))
        let run = try w.tierwatch(["run", "gz", "--period", "2026-11-22", "--now", "2026-11-23T06:00:00Z"])
        let clear = run.status != 0 && run.status < 128 && run.stderr.contains("events.csv.gz")
        #expect(clear, "\(run.status) \(run.stderr)")
        #expect(!w.exists("Reports/gz/2026-11-22/metrics_by_tier.csv"), "no report from a corrupt input")
        #expect(Self.visibleTemporaries(w.reports).isEmpty)
        ReliabilityTable.record("corrupt gzip input", tries: 1, survived: clear ? 1 : 0, lost: 0)
    }
}

extension ReliabilityTests {
    @Test("an HTTPS export that breaks off and has changed by the retry is read whole from the new version, never spliced")
    func remoteInputChangesBetweenRetries() throws {
        let servers = try RemoteServers.get()
        let w = try Workspace()
        let name = "changing-" + UUID().uuidString.prefix(8) + "/events.csv"
        let before = [Canonical.eventsHeader] + cleanEvents
        let after = [Canonical.eventsHeader] + cleanEvents + (0..<40).map { "x\($0),2026-11-22T15:00:00Z,s1,c1,Autumn,one_to_many,email,open,,,device,personalization,EU" }
        let newBytes = Data((after.joined(separator: "\n") + "\n").utf8)
        try servers.put(Data((before.joined(separator: "\n") + "\n").utf8), at: name, root: servers.httpRoot)
        try servers.put(newBytes, at: name + ".v2", root: servers.httpRoot)
        try smallDataSet(w, events: [], consents: [grantS1])
        try w.write(
            """
            {"schemaVersion": 1, "period": "daily", "timezone": "UTC",
             "inputs": {"events": {"path": "\(servers.httpsBase)/changing/\(name)", "headers": {"Authorization": "Bearer ${EXPORT_TOKEN}"},
                                   "ca_file": "\(servers.caFile)", "retry_delay_seconds": 0, "retries": 2},
                        "consents": {"path": "data/consents.csv"}},
             "fail_on": "never", "outputs": {"small_cell_k": 0}}
            """, to: "Jobs/audit.json")
        let run = try w.tierwatch(["run", "audit", "--period", "2026-11-22", "--now", "2026-11-23T06:00:00Z"], environment: servers.environment)
        var whole = false
        if run.status == 0 || run.status == 1 {
            let manifest = try JSONSerialization.jsonObject(with: Data(try w.read("Reports/audit/2026-11-22/manifest.json").utf8)) as? [String: Any]
            let events = (manifest?["inputs"] as? [[String: Any]])?.first { $0["input"] as? String == "events" }
            let digest = try runProcess("/usr/bin/sha256sum", [servers.httpRoot + "/" + name + ".v2"]).stdout.prefix(64)
            whole = events?["rows"] as? Int == after.count - 1 && events?["sha256"] as? String == String(digest)
            #expect(whole, "read \(events ?? [:]); the new version has \(after.count - 1) rows")
        } else {
            // Refusing is also sound, if it says why.
            whole = run.stderr.contains("events")
            #expect(whole, "\(run.status) \(run.stderr)")
        }
        ReliabilityTable.record("remote input changed between retries", tries: 1, survived: whole ? 1 : 0, lost: whole ? 0 : 1)
    }
}
