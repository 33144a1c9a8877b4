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
        /// `=` padding, or padding bits that are not zero, or more padding than an encoder adds.
        case badPadding = "bad_padding"
        /// The bits ran out before the last field the format requires.
        case truncated
        /// A version (of the string, the GPP header or a section) this decoder does not read.
        case unsupportedVersion = "unsupported_version"
        /// Anything else that contradicts the spec: unknown or repeated segments, reversed
        /// ranges, ids beyond the declared maximum, undefined field values.
        case malformed
    }

    package var reason: Reason
    package var message: String

    package init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    package var description: String { "\(reason.rawValue): \(message)" }
}
