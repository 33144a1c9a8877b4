import Glibc

/// What a command may know about the world: the clock, the environment and where things
/// live. Injected, never read ad hoc, so tests and reruns are reproducible.
package struct RunContext: Sendable {
    /// "Now", in Unix epoch milliseconds.
    package var now: Int64
    package var environment: [String: String]
    package var jobsDirectory: String
    package var reportsDirectory: String
    package var statePath: String
    /// Whether stdout is a terminal: summaries and progress are shown only then.
    package var interactive: Bool
    package var quiet: Bool
    package var toolVersion: String
    package var output: @Sendable (String) -> Void
    package var errorOutput: @Sendable (String) -> Void
    /// The real time of a delivery attempt, for `webhook-timestamp` only: receivers reject
    /// timestamps far from their clock, so a signature must carry the actual send time even
    /// when `--now` pretends otherwise for scheduling. Nil uses ``now``.
    package var attemptClock: (@Sendable () -> Int64)? = nil
    /// Threads that read one input's parts at once (`--threads`, `$TIERWATCH_THREADS`;
    /// default: the processors online). Changes how fast a run is, never what it computes.
    package var threads = Parallel.processorCount
    /// The smallest part worth cutting an input into (`$TIERWATCH_MIN_PART_BYTES`, for tests
    /// that need parts of a few bytes).
    package var minimumPartBytes: Int64 = 8 << 20
    /// `run --refetch`: download remote inputs again (conditionally) instead of reusing the cache.
    package var refetch = false
    /// `run --no-deliver`: queue alert notifications without sending them, and queue no mail.
    package var noDeliver = false
    /// Waits the given milliseconds (fetch retries back off with it); injected for tests.
    package var sleep: @Sendable (Int64) -> Void = { milliseconds in
        var request = timespec(tv_sec: Int(milliseconds / 1000), tv_nsec: Int(milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }

    package init(
        now: Int64, environment: [String: String], jobsDirectory: String, reportsDirectory: String, statePath: String,
        interactive: Bool, quiet: Bool, toolVersion: String, output: @escaping @Sendable (String) -> Void,
        errorOutput: @escaping @Sendable (String) -> Void
    ) {
        self.now = now
        self.environment = environment
        self.jobsDirectory = jobsDirectory
        self.reportsDirectory = reportsDirectory
        self.statePath = statePath
        self.interactive = interactive
        self.quiet = quiet
        self.toolVersion = toolVersion
        self.output = output
        self.errorOutput = errorOutput
    }

    /// The instant of a delivery attempt (see ``attemptClock``).
    package func attemptTime() -> Int64 { attemptClock?() ?? now }

    /// Folder for downloaded inputs (`<job>/<period>/<input>/`), beside the state database.
    package var cacheDirectory: String {
        let parent = FileTree.parent(of: statePath)
        return (parent.isEmpty ? "." : parent) + "/cache"
    }

    /// Folder for per-job lock files, beside the state database.
    package var lockDirectory: String {
        let parent = FileTree.parent(of: statePath)
        return (parent.isEmpty ? "." : parent) + "/locks"
    }
}

/// The version reports and manifests name.
package let tierwatchVersion = "0.1.0"
