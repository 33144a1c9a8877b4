#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Crash points for tests, switched on by `TIERWATCH_TEST_CRASH_AFTER=<point>`.
///
/// Test-only: it lets a test kill the process at the worst moment (after the outbox
/// commit, before any send) and prove nothing is lost. `_exit` skips every cleanup, as
/// SIGKILL would.
enum TestHooks {
    static func crashIfAsked(_ point: String, environment: [String: String]) {
        if environment["TIERWATCH_TEST_CRASH_AFTER"] == point { _exit(86) }
    }
}
