import CZlib

/// Streaming gzip compression with zlib, producing byte-identical output for identical input.
///
/// The gzip header is fixed with `deflateSetHeader`: modification time 0, no
/// file name or comment, OS byte 255 ("unknown"), so the same input gives the
/// same bytes on every machine and every run (reports are compared byte for
/// byte). Owns a heap `z_stream` and its `gz_header` (zlib keeps pointers to
/// both until the header is written); `deflateEnd` runs in `deinit`.
///
/// One deflater writes one gzip member; after ``finish(_:)`` further calls throw.
/// Not thread-safe. See https://zlib.net/manual.html#Advanced (`deflateInit2`,
/// `deflateSetHeader`).
package final class GzipDeflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private let header: UnsafeMutablePointer<gz_header>
    private let output: UnsafeMutableRawBufferPointer
    private var finished = false

    /// Prepares a deflater with compression `level` 0 (store) to 9 (smallest), or -1 for zlib's default (6).
    package init(level: Int32 = 6) throws(GzipError) {
        guard (-1...9).contains(level) else {
            throw GzipError("compression level \(level) is outside -1...9")
        }
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        header = .allocate(capacity: 1)
        header.initialize(to: gz_header())
        header.pointee.time = 0
        header.pointee.os = 255
        output = .allocate(byteCount: chunkSize, alignment: 1)

        // windowBits 15 + 16 selects the gzip wrapper; memLevel 8 is zlib's default.
        var rc = tw_deflateInit2(stream, level, 15 + 16, 8, Z_DEFAULT_STRATEGY)
        if rc == Z_OK {
            rc = deflateSetHeader(stream, header)
            if rc != Z_OK { deflateEnd(stream) }
        }
        guard rc == Z_OK else {
            let error = GzipError.zlib(rc, stream, during: "deflateInit2")
            stream.deallocate()
            header.deallocate()
            output.deallocate()
            throw error
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
        header.deallocate()
        output.deallocate()
    }

    /// Compresses `input`, calling `sink` with each compressed chunk as it becomes available.
    ///
    /// The buffer passed to `sink` is valid only during that call; zlib may
    /// hold input back, so `sink` may not be called for small inputs.
    package func deflate(_ input: UnsafeRawBufferPointer, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard !finished else { throw GzipError("deflate called after finish") }
        try forEachZlibPiece(of: input) { piece in
            guard let base = piece.baseAddress, !piece.isEmpty else { return }
            // zlib never writes through next_in; the pointer is not const only
            // because z_const is empty by default.
            stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = UInt32(piece.count)
            defer {
                stream.pointee.next_in = nil
                stream.pointee.avail_in = 0
            }
            try pump(Z_NO_FLUSH, sink)
        }
    }

    /// Flushes the rest of the compressed data and the gzip trailer (CRC-32, length) to `sink`.
    package func finish(_ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard !finished else { throw GzipError("finish called twice") }
        finished = true
        try pump(Z_FINISH, sink)
    }

    /// Calls `deflate` until zlib has consumed all input (or, with `Z_FINISH`, ended the stream).
    private func pump(_ flush: Int32, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        while true {
            stream.pointee.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = UInt32(output.count)
            let rc = CZlib.deflate(stream, flush)
            let produced = output.count - Int(stream.pointee.avail_out)
            if produced > 0 {
                try sink(UnsafeRawBufferPointer(rebasing: output[0..<produced]))
            }
            switch rc {
            case Z_STREAM_END:
                return
            case Z_OK, Z_BUF_ERROR:
                // With output space left over, zlib has taken all it can for now.
                if flush != Z_FINISH && stream.pointee.avail_out != 0 { return }
            default:
                throw GzipError.zlib(rc, stream, during: "gzip compression")
            }
        }
    }
}
