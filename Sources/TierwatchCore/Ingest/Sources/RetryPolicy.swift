import HTTPTransport

/// Transient fetch failures are retried with exponential backoff; others fail at once.
///
/// Transient: a transfer error libcurl marks transient (timeouts, refused or reset
/// connections, cut-off bodies), and HTTP 408, 429, 500, 502, 503 and 504. The delays
/// double from the input's `retry_delay_seconds` (1 s by default: 1, 2, 4 s), without
/// jitter: one batch job is not a thundering herd, and tests stay reproducible.
package struct RetryPolicy: Sendable {
    package var retries: Int
    package var firstDelayMilliseconds: Int64
    /// Waits the given milliseconds (injected: tests pass a recording closure).
    package var sleep: @Sendable (Int64) -> Void

    package static let transientStatuses: Set<Int> = [408, 429, 500, 502, 503, 504]

    /// What one attempt came to.
    package enum Attempt<Value> {
        case done(Value)
        /// Worth another try; the message says what happened.
        case transient(String)
    }

    /// Runs `body` until it is done, or fails with the last transient message once the retries are spent.
    package func run<Value>(_ body: () throws(TierwatchError) -> Attempt<Value>) throws(TierwatchError) -> Value {
        var delay = firstDelayMilliseconds
        var attempt = 0
        while true {
            switch try body() {
            case .done(let value): return value
            case .transient(let message):
                guard attempt < retries else {
                    throw TierwatchError(.locked, "\(message) (gave up after \(attempt + 1) attempts)")
                }
                attempt += 1
                sleep(delay)
                delay *= 2
            }
        }
    }
}
