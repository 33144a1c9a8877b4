import CZlib

/// Streaming gzip decompression with zlib, for inputs too large to hold in memory.
///
/// Owns a `z_stream` (on the heap: zlib keeps a pointer back to it, so it must
/// never move) and a 64 KiB output buffer; `inflateEnd` runs in `deinit`.
/// Only the gzip format is accepted (`windowBits` 15 + 16), not raw zlib data.
///
/// Concatenated members are decompressed one after another, as `gzip -d`
/// does. Unlike `gzip -d`, trailing bytes that are not a gzip member are an
/// error, not a warning. Not thread-safe.
/// See https://zlib.net/manual.html#Advanced (`inflateInit2`).
package final class GzipInflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private let output: UnsafeMutableRawBufferPointer
    /// Whether any compressed byte was fed at all.
    private var sawInput = false
    /// Whether the last member ended cleanly (`Z_STREAM_END`) and nothing followed yet.
    private var atMemberEnd = false

    /// Prepares an inflater for one gzip stream (of one or more members).
    package init() throws(GzipError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        output = .allocate(byteCount: chunkSize, alignment: 1)
        let rc = tw_inflateInit2(stream, 15 + 16)
        guard rc == Z_OK else {
            let error = GzipError.zlib(rc, stream, during: "inflateInit2")
            stream.deallocate()
            output.deallocate()
            throw error
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        output.deallocate()
    }

    /// Feeds compressed bytes; calls `sink` with each decompressed chunk.
    ///
    /// The buffer passed to `sink` is valid only during that call. Handles
    /// concatenated gzip members (as `gzip -d` does: after `Z_STREAM_END`,
    /// `inflateReset` and continue if more input follows). Throws
    /// ``GzipError`` for corrupt data and rethrows errors from `sink`.
    package func inflate(_ input: UnsafeRawBufferPointer, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        try forEachZlibPiece(of: input) { piece in
            try inflatePiece(piece, sink)
        }
    }

    /// Call at end of input; throws when a member is incomplete or no input was given.
    ///
    /// Throws ``GzipError`` "truncated gzip stream" in both cases: an empty
    /// download is as broken as a cut-off one.
    package func finish() throws(GzipError) {
        guard sawInput else { throw GzipError("truncated gzip stream: no input at all") }
        guard atMemberEnd else { throw GzipError("truncated gzip stream") }
    }

    private func inflatePiece(_ piece: UnsafeRawBufferPointer, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let base = piece.baseAddress, !piece.isEmpty else { return }
        sawInput = true
        if atMemberEnd {
            try resetForNextMember()
        }
        // zlib's next_in is not const (z_const is empty by default) but it
        // never writes through it.
        stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = UInt32(piece.count)
        defer {
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
        }
        while true {
            stream.pointee.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = UInt32(output.count)
            let rc = CZlib.inflate(stream, Z_NO_FLUSH)
            let produced = output.count - Int(stream.pointee.avail_out)
            if produced > 0 {
                try sink(UnsafeRawBufferPointer(rebasing: output[0..<produced]))
            }
            switch rc {
            case Z_STREAM_END:
                guard stream.pointee.avail_in > 0 else {
                    atMemberEnd = true
                    return
                }
                try resetForNextMember()
            case Z_OK, Z_BUF_ERROR:
                // Z_BUF_ERROR only means no progress was possible: all input
                // is consumed and the member continues in the next call.
                if stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 {
                    return
                }
            case Z_NEED_DICT:
                throw GzipError("corrupt gzip data: stream asks for a preset dictionary")
            default:
                throw GzipError.zlib(rc, stream, during: "gzip decompression")
            }
        }
    }

    private func resetForNextMember() throws(GzipError) {
        let rc = inflateReset(stream)
        guard rc == Z_OK else { throw GzipError.zlib(rc, stream, during: "inflateReset") }
        atMemberEnd = false
    }
}
