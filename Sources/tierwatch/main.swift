import Foundation
import TierwatchCore

// argv -> invocation -> commands -> exit status. Nothing else lives here.

/// Writes to a standard stream unbuffered-enough for cron: one write per message.
@Sendable func write(_ text: String, to handle: FileHandle) {
    handle.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}

let environment = ProcessInfo.processInfo.environment
let arguments = Array(CommandLine.arguments.dropFirst())

/// The single place where an error becomes output and an exit status.
func fail(_ error: TierwatchError) -> Never {
    let lines = error.description.split(separator: "\n", omittingEmptySubsequences: false)
    write("tierwatch: error: " + lines.joined(separator: "\n  "), to: .standardError)
    if error.code == .usage { write("run 'tierwatch help' for usage", to: .standardError) }
    exit(error.code.exitStatus)
}

do {
    let invocation = try Invocation.parse(arguments)
    let nowText = invocation.now ?? environment["TIERWATCH_NOW"]
    var now = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    if let nowText {
        guard let parsed = Array(nowText.utf8).withUnsafeBytes({ FieldParsers.instant($0) }) else {
            throw TierwatchError(.usage, "--now expects an ISO-8601 instant such as 2026-11-23T06:00:00Z, found \(nowText)")
        }
        now = parsed
    }
    var context = RunContext(
        now: now, environment: environment,
        jobsDirectory: invocation.jobsDirectory ?? environment["TIERWATCH_JOBS"] ?? "Jobs",
        reportsDirectory: invocation.reportsDirectory ?? environment["TIERWATCH_REPORTS"] ?? "Reports",
        statePath: invocation.statePath ?? environment["TIERWATCH_STATE"] ?? ".tierwatch/state.sqlite3",
        interactive: isatty(STDOUT_FILENO) == 1, quiet: invocation.quiet, toolVersion: tierwatchVersion,
        output: { write($0, to: .standardOutput) }, errorOutput: { write($0, to: .standardError) })
    if let threads = invocation.threads ?? environment["TIERWATCH_THREADS"] {
        guard let count = Int(threads), count >= 1, count <= 256 else {
            throw TierwatchError(.usage, "--threads expects a whole number from 1 to 256, found \(threads)")
        }
        context.threads = count
    }
    if let bytes = environment["TIERWATCH_MIN_PART_BYTES"] {
        guard let count = Int64(bytes), count >= 1 else {
            throw TierwatchError(.usage, "TIERWATCH_MIN_PART_BYTES expects a whole number of bytes, found \(bytes)")
        }
        context.minimumPartBytes = count
    }
    // Webhook signatures carry the real send time even under --now (receivers check it).
    context.attemptClock = { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
    exit(try Commands(context: context).execute(invocation))
} catch let error as TierwatchError {
    fail(error)
} catch {
    fail(TierwatchError(.internalError, "unexpected error: \(error)"))
}
