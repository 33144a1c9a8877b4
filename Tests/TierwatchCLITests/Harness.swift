import Foundation
import Testing

/// The package root, found from this file's path (no resources: see the style guide).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// The built `tierwatch` binary (`swift build` puts it in .build/debug), or $TIERWATCH_BIN.
let tierwatchBinary: String = {
    if let path = ProcessInfo.processInfo.environment["TIERWATCH_BIN"] { return path }
    return packageRoot + "/.build/debug/tierwatch"
}()

/// What a finished process printed and returned.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a program to completion with a bounded wait.
@discardableResult
func runProcess(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil,
    timeout: TimeInterval = 300
) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "TIERWATCH_PSEUDONYM_KEY")
    env.removeValue(forKey: "TIERWATCH_NOW")
    for (key, value) in environment { env[key] = value }
    process.environment = env
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Drain both pipes concurrently so a chatty process cannot block on a full pipe.
    nonisolated(unsafe) var outData = Data(), errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    group.enter()
    DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(20_000) }
    if process.isRunning {
        // SIGKILL: a process started from a test thread inherits its blocked SIGTERM.
        kill(process.processIdentifier, SIGKILL)
        Issue.record("\(executable) \(arguments) did not finish within \(timeout) s")
    }
    process.waitUntilExit()
    group.wait()
    return ProcessResult(
        status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}

/// A temporary work folder with its own Jobs/, Reports/ and state database.
final class Workspace {
    let root: String

    init() throws {
        root = NSTemporaryDirectory() + "tierwatch-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/Jobs", withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    var jobs: String { root + "/Jobs" }
    var reports: String { root + "/Reports" }
    var state: String { root + "/state/state.sqlite3" }

    /// Runs `tierwatch` with this workspace's folders.
    @discardableResult
    func tierwatch(_ arguments: [String], environment: [String: String] = ["TIERWATCH_PSEUDONYM_KEY": "test-key"], timeout: TimeInterval = 300) throws -> ProcessResult {
        try runProcess(
            tierwatchBinary, arguments + ["--jobs", jobs, "--reports", reports, "--state", state], environment: environment,
            directory: root, timeout: timeout)
    }

    /// Starts `tierwatch` with this workspace's folders and returns at once (output
    /// discarded), for tests that kill it or race it.
    func start(_ arguments: [String], environment: [String: String] = ["TIERWATCH_PSEUDONYM_KEY": "test-key"]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tierwatchBinary)
        process.arguments = arguments + ["--jobs", jobs, "--reports", reports, "--state", state]
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// A generated week (`tierwatch generate`, seed 11, from 2026-11-16) and the weekly job
    /// `big` over it; `extra` adds members to the job (e.g. `"alerts": {...}`).
    static func generatedWeek(events: Int, extra: String = "") throws -> Workspace {
        let w = try Workspace()
        let generated = try runProcess(
            tierwatchBinary,
            ["generate", "--out", w.jobs + "/data", "--events", String(events), "--days", "7", "--start", "2026-11-16", "--seed", "11"])
        #expect(generated.status == 0, "\(generated.stderr)")
        try w.write(
            """
            {"schemaVersion": 1, "period": "weekly", "timezone": "Europe/Stockholm",
             "inputs": {"events": {"path": "data/events/events-*.csv"}, "consents": {"path": "data/consents.csv"},
                        "erasures": {"path": "data/erasures.csv"}, "surveys": {"path": "data/surveys.csv"}},
             "currency": {"reporting": "EUR", "rates": {"SEK": 0.087, "GBP": 1.15, "USD": 0.92}}, "fail_on": "never"\(extra.isEmpty ? "" : ", " + extra)}
            """, to: "Jobs/big.json")
        return w
    }

    func write(_ text: String, to relative: String) throws {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    func read(_ relative: String) throws -> String {
        try String(contentsOfFile: root + "/" + relative, encoding: .utf8)
    }

    func data(_ relative: String) -> Data? { FileManager.default.contents(atPath: root + "/" + relative) }

    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: root + "/" + relative) }

    func copy(_ source: String, to relative: String) throws {
        try FileManager.default.copyItem(atPath: source, toPath: root + "/" + relative)
    }

    /// All files below a folder with their bytes, for byte-for-byte comparisons.
    func snapshot(_ relative: String) throws -> [String: Data] {
        let base = root + "/" + relative
        var result: [String: Data] = [:]
        for case let path as String in FileManager.default.enumerator(atPath: base) ?? FileManager.default.enumerator(atPath: "/nonexistent")! {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: base + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue {
                result[path] = FileManager.default.contents(atPath: base + "/" + path)
            }
        }
        return result
    }
}

/// Canonical-format CSV helpers for hand-written test inputs.
enum Canonical {
    static let eventsHeader =
        "event_id,occurred_at,subject_id,campaign_id,campaign_name,tier,channel,event_type,revenue,currency,data_categories,purpose,jurisdiction"
    static let consentsHeader = "subject_id,purpose,status,recorded_at,source,jurisdiction,expires_at"
    static let surveysHeader = "response_id,submitted_at,subject_id,campaign_id,tier,csat,nps,felt_intrusive"

    /// A daily job over the given inputs (paths relative to Jobs/).
    static func job(period: String = "daily", timezone: String = "UTC", extra: String = "", consents: Bool = true, surveys: Bool = false, maxRejectRate: Double = 0.01) -> String {
        var inputs = #""events": {"path": "data/events*.csv*", "max_reject_rate": \#(maxRejectRate)}"#
        if consents { inputs += #", "consents": {"path": "data/consents.csv"}"# }
        if surveys { inputs += #", "surveys": {"path": "data/surveys.csv"}"# }
        return """
            {"schemaVersion": 1, "period": "\(period)", "timezone": "\(timezone)", "schedule": "0 5 * * *",
             "inputs": {\(inputs)}\(extra.isEmpty ? "" : ", " + extra)}
            """
    }
}
