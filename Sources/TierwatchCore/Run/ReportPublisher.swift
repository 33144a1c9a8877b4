import Glibc

/// Writes one file so that readers see the old content or the new, never a part.
package enum AtomicFile {
    package static func write(_ text: String, to path: String) throws(TierwatchError) {
        try write(bytes: Array(text.utf8), to: path)
    }

    package static func write(bytes: [UInt8], to path: String) throws(TierwatchError) {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TierwatchError(.ioError, "cannot create \(temporary): \(errorText())") }
        var ok = true
        bytes.withUnsafeBufferPointer { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    ok = false
                    return
                }
                offset += written
            }
        }
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw TierwatchError(.ioError, "cannot write \(path): \(errorText())")
        }
    }

    /// Writes all of `bytes` to `fd` (retrying short writes and interruptions); `path`
    /// names the file in the error.
    package static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(TierwatchError) {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw TierwatchError(.ioError, "cannot write \(path): \(errorText())")
            }
            offset += written
        }
    }

    /// ``writeAll(_:_:path:)`` for an array.
    package static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(TierwatchError) {
        var failure: TierwatchError?
        bytes.withUnsafeBytes { bytes in
            do throws(TierwatchError) { try writeAll(fd, bytes, path: path) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// The text of the current `errno`, for messages.
    package static func errorText() -> String { String(cString: strerror(errno)) }
}

/// Publishes a run's report folder atomically: built in a staging folder beside the
/// target, then renamed into place.
///
/// A folder that already exists cannot be replaced by one rename, so the old one is first
/// renamed aside (`.previous-<label>`), the new one renamed in, and the old one removed.
/// A run killed between those two renames leaves `.previous-<label>` and no `<label>`:
/// `recover` (called under the job's lock at the start of every run) renames it back, so
/// the previous report is never lost.
package struct ReportPublisher {
    package let jobFolder: String

    package init(reportsRoot: String, jobID: String) {
        jobFolder = reportsRoot + "/" + jobID
    }

    /// Creates `Reports/<job>/` and a fresh, empty staging folder for this run.
    package func makeStaging(runNonce: String) throws(TierwatchError) -> String {
        try FileTree.makeDirectories(jobFolder)
        let staging = jobFolder + "/.staging-\(runNonce)"
        try FileTree.remove(staging)
        guard mkdir(staging, 0o755) == 0 else {
            throw TierwatchError(.ioError, "cannot create \(staging): \(AtomicFile.errorText())")
        }
        return staging
    }

    /// Puts back what an interrupted run left: restores `.previous-*` folders whose target
    /// is missing and deletes stale staging folders.
    package func recover() throws(TierwatchError) {
        for name in FileTree.list(jobFolder) {
            let path = jobFolder + "/" + name
            if name.hasPrefix(".previous-") {
                let target = jobFolder + "/" + name.dropFirst(".previous-".count)
                if FileTree.exists(target) {
                    try FileTree.remove(path)
                } else if rename(path, target) != 0 {
                    throw TierwatchError(.ioError, "cannot restore \(target): \(AtomicFile.errorText())")
                }
            } else if name.hasPrefix(".staging-") {
                try FileTree.remove(path)
            }
        }
    }

    /// Moves `staging` to `Reports/<job>/<name>`, replacing what was there.
    package func publish(staging: String, as name: String) throws(TierwatchError) {
        let target = jobFolder + "/" + name
        let previous = jobFolder + "/.previous-" + name
        try FileTree.syncDirectory(staging)
        try FileTree.remove(previous)
        if FileTree.exists(target) {
            guard rename(target, previous) == 0 else {
                throw TierwatchError(.ioError, "cannot move \(target) aside: \(AtomicFile.errorText())")
            }
        }
        guard rename(staging, target) == 0 else {
            let reason = AtomicFile.errorText()
            _ = rename(previous, target)
            throw TierwatchError(.ioError, "cannot publish \(target): \(reason)")
        }
        try FileTree.syncDirectory(jobFolder)
        try FileTree.remove(previous)
    }
}

/// Small file-system helpers over POSIX calls.
package enum FileTree {
    /// The folder part of a path ("" for a bare name), like dirname(1) without the ".".
    package static func parent(of path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
    }

    /// `mkdir -p` of a file's folder.
    package static func makeParent(of path: String) throws(TierwatchError) {
        let folder = parent(of: path)
        if !folder.isEmpty { try makeDirectories(folder) }
    }

    package static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    package static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// `mkdir -p`.
    package static func makeDirectories(_ path: String) throws(TierwatchError) {
        if isDirectory(path) { return }
        let folder = parent(of: path)
        if !folder.isEmpty && folder != path { try makeDirectories(folder) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw TierwatchError(.ioError, "cannot create \(path): \(AtomicFile.errorText())")
        }
    }

    /// Names in a folder, sorted, without `.` and `..`; empty when it does not exist.
    package static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// `rm -rf` (no error when missing).
    package static func remove(_ path: String) throws(TierwatchError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in list(path) { try remove(path + "/" + name) }
            guard rmdir(path) == 0 else { throw TierwatchError(.ioError, "cannot remove \(path): \(AtomicFile.errorText())") }
        } else if unlink(path) != 0 {
            throw TierwatchError(.ioError, "cannot remove \(path): \(AtomicFile.errorText())")
        }
    }

    /// fsync on a folder, so renames inside it survive a power cut.
    package static func syncDirectory(_ path: String) throws(TierwatchError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw TierwatchError(.ioError, "cannot open \(path): \(AtomicFile.errorText())") }
        defer { close(fd) }
        _ = fsync(fd)
    }

    package static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        let length = buffer.firstIndex(of: 0) ?? buffer.count
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    package static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var result: [UInt8] = []
        var block = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = block.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            result.append(contentsOf: block[0..<count])
        }
        return result
    }
}

/// An exclusive per-job lock held with flock(2): released by the kernel when the process
/// dies, so a killed run never blocks the next one.
package final class JobLock {
    private let fd: Int32

    /// Takes the lock or throws `.locked` at once (no waiting: cron will try again).
    package init(path: String, jobID: String) throws(TierwatchError) {
        try FileTree.makeParent(of: path)
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TierwatchError(.ioError, "cannot open lock \(path): \(AtomicFile.errorText())") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let busy = errno == EWOULDBLOCK
            close(fd)
            if busy {
                throw TierwatchError(.locked, "job \(jobID) is already running (lock \(path) is held); not starting a second run")
            }
            throw TierwatchError(.ioError, "cannot lock \(path): \(AtomicFile.errorText())")
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
