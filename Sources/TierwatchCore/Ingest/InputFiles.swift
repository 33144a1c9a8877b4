import Digests
import Glibc
import Gzip

/// One file of an input, as the manifest records it.
package struct InputFileRecord: Sendable, Equatable, Codable {
    /// The path as matched, relative to the job's folder (reports never show machine paths).
    package var path: String
    package var sha256: String
    package var bytes: Int64
    /// Data rows read (the header and blank lines are not rows).
    package var rows: Int
    package var rejected: Int
    /// The newest timestamp inside the file's in-contract rows (for freshness checks).
    package var newest: Int64?
}

/// A matched file: where it is, and how reports name it.
package struct ResolvedFile: Sendable, Equatable {
    package var absolute: String
    package var display: String
    /// Its place among all the files of its input, as a single run reads them (a shard
    /// reads only some of them; positions in the input count in this order).
    package var order = 0
    /// When the input's path has `{shard}`: the shard this file is a part of.
    package var shard: Int?

    package init(absolute: String, display: String, order: Int = 0, shard: Int? = nil) {
        self.absolute = absolute
        self.display = display
        self.order = order
        self.shard = shard
    }
}

/// Finds the files of an input: each path or glob, relative to the job's folder, sorted.
package enum InputResolver {
    package static func resolve(
        _ spec: InputSpec, kind: InputKind, jobDirectory: String
    ) throws(TierwatchError) -> [ResolvedFile] {
        var files: [ResolvedFile] = []
        for pattern in spec.paths {
            let absolute = pattern.hasPrefix("/") ? pattern : (jobDirectory.isEmpty ? pattern : jobDirectory + "/" + pattern)
            let parts = ShardParts(absolute)
            var matches: [String] = []
            var result = glob_t()
            defer { globfree(&result) }
            let status = glob(parts?.glob ?? absolute, 0, nil, &result)
            if status == 0 {
                for index in 0..<Int(result.gl_pathc) {
                    if let path = result.gl_pathv[index] { matches.append(String(cString: path)) }
                }
            } else if status != GLOB_NOMATCH {
                throw TierwatchError(.missingInput, "\(kind.rawValue): cannot list \(pattern) (glob error \(status))")
            }
            // Byte order, so that daily files are read oldest first on every machine.
            matches.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            for path in matches where !files.contains(where: { $0.absolute == path }) {
                var info = stat()
                guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
                let prefix = jobDirectory.isEmpty ? "" : jobDirectory + "/"
                let display = !prefix.isEmpty && path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
                var shard: Int?
                if let parts {
                    guard let found = parts.shard(of: path) else {
                        throw TierwatchError(
                            .badJob, "\(kind.rawValue): cannot tell which shard \(display) is a part of (\(pattern): {shard} must match one run of digits)")
                    }
                    shard = found
                }
                files.append(ResolvedFile(absolute: path, display: display, order: files.count, shard: shard))
            }
        }
        if files.isEmpty && !spec.optional {
            throw TierwatchError(
                .missingInput,
                "\(kind.rawValue): no file matches \(spec.paths.joined(separator: ", ")) (relative to \(jobDirectory.isEmpty ? "." : jobDirectory))")
        }
        return files
    }
}

/// A path with `{shard}`: the input is split by subject into one set of parts per shard
/// (``ShardSpec``; `tierwatch split` writes them). A single run reads every part; shard I
/// of a sharded run reads only the parts whose `{shard}` is I. The placeholder stands for a
/// whole run of decimal digits; the rest of the pattern may use `*` and `?`.
struct ShardParts {
    static let placeholder = "{shard}"
    /// The pattern with `*` for the placeholder, to list every part.
    let glob: String
    private let before: String
    private let after: String

    init?(_ pattern: String) {
        let pieces = Self.pieces(pattern)
        guard pieces.count > 1 else { return nil }
        before = pieces[0]
        // A second placeholder matches any digits: only the first one numbers the part.
        after = pieces.dropFirst().joined(separator: "*")
        glob = before + "*" + after
    }

    static func contains(_ pattern: String) -> Bool { pieces(pattern).count > 1 }

    /// `pattern` cut at each placeholder.
    private static func pieces(_ pattern: String) -> [String] {
        let bytes = Array(pattern.utf8), mark = Array(placeholder.utf8)
        var pieces: [String] = [], start = 0, index = 0
        while index + mark.count <= bytes.count {
            if bytes[index..<index + mark.count].elementsEqual(mark) {
                pieces.append(String(decoding: bytes[start..<index], as: UTF8.self))
                index += mark.count
                start = index
            } else {
                index += 1
            }
        }
        pieces.append(String(decoding: bytes[start...], as: UTF8.self))
        return pieces
    }

    /// The shard number in `path`: the one run of digits that the placeholder can stand for.
    func shard(of path: String) -> Int? {
        let bytes = Array(path.utf8)
        var found: Int?
        var index = 0
        while index < bytes.count {
            guard bytes[index] >= 0x30 && bytes[index] <= 0x39 else { index += 1; continue }
            var end = index
            while end < bytes.count && bytes[end] >= 0x30 && bytes[end] <= 0x39 { end += 1 }
            let head = String(decoding: bytes[..<index], as: UTF8.self), tail = String(decoding: bytes[end...], as: UTF8.self)
            if end - index <= 6, fnmatch(before, head, FNM_PATHNAME) == 0, fnmatch(after, tail, FNM_PATHNAME) == 0 {
                guard found == nil else { return nil }  // two runs would do: ambiguous
                found = Int(String(decoding: bytes[index..<end], as: UTF8.self))
            }
            index = end
        }
        return found
    }
}

/// Streams a file's bytes in large blocks: hashes the bytes as stored, inflates gzip files,
/// and hands the decompressed bytes on. One pass, memory bounded by the block size.
package enum InputStream {
    package static let blockSize = 1 << 20

    /// How far ahead of its reading a stream asks the kernel for the file's pages
    /// (`POSIX_FADV_WILLNEED` starts reading them and returns at once). Where they are not
    /// cached, the disk then works while the blocks before them are parsed, instead of each
    /// read waiting for its own pages: the kernel's read-ahead alone left a part that began
    /// at a cut waiting half a second for its first megabytes. Where they are cached, the
    /// advice finds them there and costs next to nothing.
    package static let readAhead: Int64 = 32 << 20

    /// Reads `file`, calling `body` with decompressed blocks; returns SHA-256 (hex) and size.
    package static func read(
        _ file: ResolvedFile, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> (sha256: String, bytes: Int64) {
        let fd = open(file.absolute, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw TierwatchError(.missingInput, "cannot open \(file.display): \(AtomicFile.errorText())")
        }
        defer { close(fd) }
        let hasher = SHA256Hasher()
        let total = try decoded(fd, file, from: 0, hasher: hasher) { block in
            try body(block)
            return true
        }
        return (Hex.encode(hasher.finalize()), total)
    }

    /// Reads `fd` from `offset`: hashes the bytes as stored into `hasher` (when given),
    /// inflates a gzip file, and hands the decoded blocks to `body` until it returns false;
    /// after that, reading goes on only to finish the hash. Returns the stored bytes read.
    /// A file that is not compressed is read into `space(n)` when given (where `body`'s
    /// consumer keeps its bytes, so that it need not copy them).
    static func decoded(
        _ fd: Int32, _ file: ResolvedFile, from offset: Int64, hasher: SHA256Hasher?,
        space: ((Int) -> UnsafeMutableRawBufferPointer)? = nil, _ body: (UnsafeRawBufferPointer) throws -> Bool
    ) throws -> Int64 {
        let inflater = file.absolute.hasSuffix(".gz") ? try GzipInflater() : nil
        var wanted = true
        var total: Int64 = 0
        try blocks(fd, file, from: offset, into: inflater == nil ? space : nil) { chunk in
            hasher?.update(chunk)
            total += Int64(chunk.count)
            if wanted {
                if let inflater {
                    do {
                        try inflater.inflate(chunk) { block in if wanted { wanted = try body(block) } }
                    } catch let error as GzipError {
                        throw TierwatchError(.badData, "\(file.display): not a readable gzip file: \(error)")
                    }
                } else {
                    wanted = try body(chunk)
                }
            }
            return wanted || hasher != nil
        }
        if wanted, let inflater {
            do {
                try inflater.finish()
            } catch {
                throw TierwatchError(.badData, "\(file.display): not a readable gzip file: \(error)")
            }
        }
        return total
    }

    /// Reads `fd` from `offset` in blocks of `blockSize` bytes as stored (no inflating),
    /// until the end of the file or until `body` returns false; into `space(blockSize)`
    /// when given, else into a block of its own.
    package static func blocks(
        _ fd: Int32, _ file: ResolvedFile, from offset: Int64, blockSize: Int = blockSize,
        into space: ((Int) -> UnsafeMutableRawBufferPointer)? = nil, _ body: (UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        let own = space == nil ? UnsafeMutableRawBufferPointer.allocate(byteCount: blockSize, alignment: 16) : nil
        defer { own?.deallocate() }
        var position = offset
        var advised = offset
        while true {
            // Keep 16–32 MiB ahead of the reading asked for (advice only: a failure changes nothing).
            if position + readAhead / 2 >= advised {
                _ = posix_fadvise(fd, off_t(advised), off_t(readAhead), POSIX_FADV_WILLNEED)
                advised += readAhead
            }
            let block = own ?? space!(blockSize)
            let count = pread(fd, block.baseAddress, blockSize, off_t(position))
            if count < 0 {
                if errno == EINTR { continue }
                throw TierwatchError(.ioError, "cannot read \(file.display): \(AtomicFile.errorText())")
            }
            if count == 0 { return }
            position += Int64(count)
            guard try body(UnsafeRawBufferPointer(rebasing: block[0..<count])) else { return }
        }
    }
}
