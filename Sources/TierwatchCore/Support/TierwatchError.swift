/// An error that ends a command, with enough context to act on it.
///
/// Shaped like swift-nio's `FileSystemError`: a `Code` over a private enum so that new
/// cases break nobody, a message written for the person reading cron mail, an optional
/// cause, and the source location that raised it. The executable maps `code` to a
/// sysexits status in exactly one place.
package struct TierwatchError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is; decides the exit status.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: Hashable, Sendable {
            case usage, badData, missingInput, internalError, locked, badJob, ioError, unavailable
        }
        private let kind: Kind

        /// The command line was malformed (EX_USAGE, 64).
        package static let usage = Code(kind: .usage)
        /// An input could not be read as the contract requires (EX_DATAERR, 65).
        package static let badData = Code(kind: .badData)
        /// An input file is missing (EX_NOINPUT, 66).
        package static let missingInput = Code(kind: .missingInput)
        /// A bug or an impossible state (EX_SOFTWARE, 70).
        package static let internalError = Code(kind: .internalError)
        /// Another run holds the job's lock, or a temporary failure (EX_TEMPFAIL, 75).
        package static let locked = Code(kind: .locked)
        /// A job file is invalid (EX_CONFIG, 78).
        package static let badJob = Code(kind: .badJob)
        /// Reading or writing our own files failed (EX_IOERR, 74).
        package static let ioError = Code(kind: .ioError)
        /// A service Tierwatch hands work to is missing or refused it: `sbatch` (EX_UNAVAILABLE, 69).
        package static let unavailable = Code(kind: .unavailable)

        package var description: String {
            switch kind {
            case .usage: "usage"
            case .badData: "bad data"
            case .missingInput: "missing input"
            case .internalError: "internal error"
            case .locked: "locked"
            case .badJob: "bad job file"
            case .ioError: "I/O error"
            case .unavailable: "service unavailable"
            }
        }

        /// The sysexits(3) status for this code.
        package var exitStatus: Int32 {
            switch kind {
            case .usage: 64
            case .badData: 65
            case .missingInput: 66
            case .internalError: 70
            case .locked: 75
            case .badJob: 78
            case .ioError: 74
            case .unavailable: 69
            }
        }
    }

    package var code: Code
    package var message: String
    package var cause: (any Error & Sendable)?
    package var file: String
    package var line: Int

    package init(
        _ code: Code, _ message: String, cause: (any Error & Sendable)? = nil,
        file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.cause = cause
        self.file = file
        self.line = line
    }

    /// The message, followed by the cause when there is one. The source location is left
    /// out: it is for debugging (`debugDescription`), not for the person reading cron mail.
    package var description: String {
        if let cause { return "\(message): \(cause)" }
        return message
    }

    package var debugDescription: String { "\(description) [\(code) at \(file):\(line)]" }
}
