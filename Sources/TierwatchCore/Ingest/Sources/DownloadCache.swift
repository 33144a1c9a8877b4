import Digests
import Foundation
import Glibc

/// One fetched object as the cache manifest records it.
package struct CachedObject: Codable, Sendable, Equatable {
    /// The object's URL without credentials or query string (what reports show).
    package var source: String
    /// The file name inside the cache folder.
    package var file: String
    package var sha256: String
    package var bytes: Int64
    package var etag: String?
    package var lastModified: String?
    /// When it was downloaded (or last confirmed unchanged), UTC ISO-8601.
    package var fetchedAt: String

    enum CodingKeys: String, CodingKey {
        case source, file, sha256, bytes, etag, fetchedAt = "fetched_at", lastModified = "last_modified"
    }
}

/// The downloads of one input for one period: `<cache>/<job>/<period>/<input>/` and its
/// `manifest.json`.
///
/// A file is trusted only when the manifest lists it and its size and SHA-256 still match.
/// Downloads go to `<name>.partial` (fsynced, then renamed), and the manifest is written
/// atomically after every file it lists: a run killed mid-download leaves a `.partial`
/// or an unlisted file, which the next run deletes or downloads again, never reads.
package final class DownloadCache {
    package let folder: String
    /// What the input's `path` said (placeholders expanded): a cache filled from another
    /// location is not this input's, even for the same job and period.
    package let location: String
    package private(set) var entries: [CachedObject]

    package init(folder: String, location: String) throws(TierwatchError) {
        self.folder = folder
        self.location = location
        try FileTree.makeDirectories(folder)
        entries = []
        if let bytes = FileTree.readFile(folder + "/manifest.json"),
            let manifest = try? JSONDecoder().decode(ManifestFile.self, from: Data(bytes)), manifest.location == location
        {
            entries = manifest.objects
        }
        for name in FileTree.list(folder) where name.hasSuffix(".partial") {
            try FileTree.remove(folder + "/" + name)
        }
    }

    private struct ManifestFile: Codable {
        var location: String
        var objects: [CachedObject]
        /// True once every object of the input was fetched; a rerun then needs no network.
        var complete: Bool
    }

    /// Whether the last fetch of this input finished (every object listed and stored).
    package var isComplete: Bool {
        guard let bytes = FileTree.readFile(folder + "/manifest.json"),
            let manifest = try? JSONDecoder().decode(ManifestFile.self, from: Data(bytes))
        else { return false }
        return manifest.complete && manifest.location == location
    }

    package func entry(source: String) -> CachedObject? {
        entries.first { $0.source == source }
    }

    /// Whether `entry`'s file is still exactly what was downloaded (size and SHA-256).
    package func verify(_ entry: CachedObject) -> Bool {
        let path = folder + "/" + entry.file
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let hasher = SHA256Hasher()
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { block.deallocate() }
        var total: Int64 = 0
        while true {
            let count = read(fd, block.baseAddress, block.count)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return false }
            if count == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: block[0..<count]))
            total += Int64(count)
        }
        return total == entry.bytes && Hex.encode(hasher.finalize()) == entry.sha256
    }

    /// Records (or replaces) an entry and rewrites the manifest atomically.
    package func record(_ entry: CachedObject) throws(TierwatchError) {
        entries.removeAll { $0.source == entry.source }
        entries.append(entry)
        try save(complete: false)
    }

    /// Keeps only the objects of the latest listing, deletes other files, and marks it complete.
    package func finish(keeping sources: [String]) throws(TierwatchError) {
        entries = sources.compactMap { source in entries.first { $0.source == source } }
        let kept = Set(entries.map(\.file) + ["manifest.json"])
        for name in FileTree.list(folder) where !kept.contains(name) && !name.hasPrefix("manifest.json") {
            try FileTree.remove(folder + "/" + name)
        }
        try save(complete: true)
    }

    private func save(complete: Bool) throws(TierwatchError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(ManifestFile(location: location, objects: entries, complete: complete))) ?? Data("{}".utf8)
        try AtomicFile.write(bytes: Array(data) + [0x0A], to: folder + "/manifest.json")
    }
}

/// A download in progress: bytes go to `<final>.partial`, hashed as they arrive.
package final class PartialDownload {
    package let finalPath: String
    private let partialPath: String
    private var fd: Int32
    private let hasher = SHA256Hasher()
    package private(set) var bytes: Int64 = 0
    /// The first two bytes received, to recognise gzip (1f 8b) whatever the URL says.
    private var magic: [UInt8] = []

    /// Whether the body starts like a gzip stream (RFC 1952).
    package var isGzip: Bool { magic == [0x1F, 0x8B] }

    package init(path: String) throws(TierwatchError) {
        finalPath = path
        partialPath = path + ".partial"
        fd = open(partialPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TierwatchError(.ioError, "cannot create \(partialPath): \(AtomicFile.errorText())") }
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(partialPath)
        }
    }

    /// Appends one chunk (the transfer's sink).
    package func write(_ chunk: UnsafeRawBufferPointer) throws(TierwatchError) {
        if magic.count < 2 { magic += chunk.prefix(2 - magic.count) }
        hasher.update(chunk)
        try AtomicFile.writeAll(fd, chunk, path: partialPath)
        bytes += Int64(chunk.count)
    }

    /// Drops what was received (a failed attempt, or a 304).
    package func discard() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
        unlink(partialPath)
    }

    /// fsyncs and renames into place; returns the SHA-256 (hex) of the bytes written.
    package func commit(as path: String? = nil) throws(TierwatchError) -> String {
        let finalPath = path ?? finalPath
        let synced = fsync(fd) == 0
        close(fd)
        fd = -1
        guard synced, rename(partialPath, finalPath) == 0 else {
            unlink(partialPath)
            throw TierwatchError(.ioError, "cannot store \(finalPath): \(AtomicFile.errorText())")
        }
        try FileTree.syncDirectory(FileTree.parent(of: finalPath))
        return Hex.encode(hasher.finalize())
    }
}
