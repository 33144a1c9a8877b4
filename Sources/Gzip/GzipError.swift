import CZlib

/// A gzip stream that could not be read or written.
///
/// The message names what went wrong in words, usually zlib's own `msg`
/// ("incorrect data check" for a CRC mismatch, "incorrect header check" for
/// data that is not gzip), because the reader of a cron mail needs that, not
/// a number. See https://zlib.net/manual.html#Constants
package struct GzipError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, readable on its own.
    package var message: String

    /// Creates an error with `message`.
    package init(_ message: String) {
        self.message = message
    }

    /// `gzip: ` followed by ``message``.
    package var description: String { "gzip: \(message)" }

    /// An error for a failing zlib call, preferring the stream's `msg` over the code's name.
    static func zlib(_ code: Int32, _ stream: UnsafeMutablePointer<z_stream>, during operation: String) -> GzipError {
        let detail: String
        if let message = stream.pointee.msg {
            detail = String(cString: message)
        } else {
            detail = String(cString: zError(code))
        }
        return GzipError("\(operation) failed: \(detail) (zlib code \(code))")
    }
}

/// The zlib library in use.
package enum ZlibLibrary {
    /// The run-time zlib version, for example `1.2.13`.
    ///
    /// See https://zlib.net/manual.html#Basic (`zlibVersion`).
    package static var version: String {
        String(cString: zlibVersion())
    }
}

/// Size of the output buffer each stream owns; zlib's examples use 16-256 KiB.
let chunkSize = 64 * 1024

/// Runs `body` over `input` in pieces that fit zlib's 32-bit `avail_in`.
func forEachZlibPiece(
    of input: UnsafeRawBufferPointer,
    _ body: (UnsafeRawBufferPointer) throws -> Void
) rethrows {
    var offset = 0
    while offset < input.count {
        let length = min(input.count - offset, Int(UInt32.max))
        try body(UnsafeRawBufferPointer(rebasing: input[offset..<(offset + length)]))
        offset += length
    }
}
