/// Why a consent signal (TC string, GPP string, US Privacy string, GPC flag) was not read.
///
/// A rejected signal is never read as consent: the consents row carrying it is rejected
/// with this reason, and `consent decode` exits with it.
package struct SignalRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// The closed list of reasons; each has a test.
    package enum Reason: String, Sendable, CaseIterable {
        /// The value is empty.
        case empty
        /// A character outside the encoding's alphabet (base64url, or `Y`/`N`/`-`).
        case invalidCharacter = "invalid_character"
        /// The bits ran out before the last field the format requires.
        case truncated
        /// A version (of the string, the GPP header or a section) this decoder does not read.
        case unsupportedVersion = "unsupported_version"
        /// Anything else that contradicts the spec: unknown or repeated segments, reversed
        /// ranges, ids beyond the declared maximum, undefined field values.
        case malformed
        /// Well formed, but the framework's policy forbids what it says: a TC string of
        /// policy version 4 or later (TCF 2.2+) that claims legitimate interest for a purpose
        /// that may not rest on it. Its fields decode; it still grants nothing.
        case policyViolation = "policy_violation"
    }

    package var reason: Reason
    package var message: String

    package init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    package var description: String { "\(reason.rawValue): \(message)" }
}
