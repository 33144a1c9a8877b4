import Foundation
import HTTPTransport

/// Resolves an input's paths to files: local paths and globs as before, remote URLs
/// fetched into the download cache first (see ``DownloadCache``).
///
/// On a rerun of the same period the cache is read without touching the network, unless
/// `--refetch`; a refetch sends conditional requests for what is cached, so an unchanged
/// export is not downloaded twice.
package struct SourceFetcher {
    package let context: RunContext
    package let job: JobDefinition
    package let period: ReportPeriod

    package init(context: RunContext, job: JobDefinition, period: ReportPeriod) {
        self.context = context
        self.job = job
        self.period = period
    }

    package func resolve(_ spec: InputSpec, kind: InputKind) throws(TierwatchError) -> [ResolvedFile] {
        let remote = spec.paths.filter(RemoteLocation.isRemote)
        if let split = remote.first(where: ShardParts.contains) {
            throw TierwatchError(.badJob, "\(kind.rawValue): \(Self.display(split)): {shard} parts must be local files (fetch them first)")
        }
        var local = spec
        local.paths = spec.paths.filter { !RemoteLocation.isRemote($0) }
        local.optional = true
        var files = local.paths.isEmpty ? [] : try InputResolver.resolve(local, kind: kind, jobDirectory: job.directory)
        for (index, path) in remote.enumerated() {
            let folder = context.cacheDirectory + "/\(job.id)/\(period.label)/\(kind.rawValue)" + (remote.count > 1 ? "-\(index + 1)" : "")
            files += try fetch(path, spec: spec, kind: kind, folder: folder)
        }
        if files.isEmpty && !spec.optional {
            if local.paths.isEmpty {
                throw TierwatchError(
                    .missingInput, "\(kind.rawValue): no object of \(period.label) at \(remote.map(Self.display).joined(separator: ", "))")
            }
            return try InputResolver.resolve(spec, kind: kind, jobDirectory: job.directory)  // its "no file matches" message
        }
        for index in files.indices { files[index].order = index }
        return files
    }

    private static func display(_ path: String) -> String {
        (try? RemoteLocation(path))?.display ?? path
    }

    private func fetch(_ path: String, spec: InputSpec, kind: InputKind, folder: String) throws(TierwatchError) -> [ResolvedFile] {
        let location: RemoteLocation
        do throws(SourceError) {
            location = try RemoteLocation(PeriodPlaceholders.expand(path, period: period))
        } catch {
            throw TierwatchError(.badJob, "\(kind.rawValue): \(error.message)")
        }
        let cache = try DownloadCache(folder: folder, location: location.display)
        if !context.refetch && cache.isComplete && cache.entries.allSatisfy(cache.verify) {
            return cache.entries.map { ResolvedFile(absolute: folder + "/" + $0.file, display: $0.source) }
        }
        let session = try FetchSession(
            input: kind.rawValue, settings: spec.source, cache: cache, context: context, jobDirectory: job.directory)
        let selection = spec.source.selection ?? (kind == .events || kind == .surveys ? .period : .throughPeriod)
        let objects: [CachedObject]
        switch location.scheme {
        case .https, .http:
            objects = try HTTPSource(session: session).fetch(location)
        case .sftp:
            objects = try SFTPSource(session: session).fetch(location, select: { ObjectDates.selects($0, selection, period: period, settings: spec.source) })
        case .s3:
            objects = try S3Source(session: session).fetch(location, select: { ObjectDates.selects($0, selection, period: period, settings: spec.source) })
        }
        try cache.finish(keeping: objects.map(\.source))
        return objects.map { ResolvedFile(absolute: folder + "/" + $0.file, display: $0.source) }
    }
}

/// What the per-scheme sources share: the input's name, its settings, the cache, one
/// reused libcurl handle, and the download step with retries and conditional requests.
final class FetchSession {
    let input: String
    let settings: SourceSettings
    let cache: DownloadCache
    let context: RunContext
    let jobDirectory: String
    let transfer: Transfer
    let retry: RetryPolicy

    init(input: String, settings: SourceSettings, cache: DownloadCache, context: RunContext, jobDirectory: String) throws(TierwatchError) {
        self.input = input
        self.settings = settings
        self.cache = cache
        self.context = context
        self.jobDirectory = jobDirectory
        do {
            transfer = try Transfer()
        } catch {
            throw TierwatchError(.internalError, "\(input): cannot start libcurl: \(error)")
        }
        retry = RetryPolicy(retries: settings.retries, firstDelayMilliseconds: settings.retryDelayMilliseconds, sleep: context.sleep)
    }

    /// A path from the job, relative to the job file's folder.
    func jobPath(_ path: String) -> String {
        path.hasPrefix("/") || jobDirectory.isEmpty ? path : jobDirectory + "/" + path
    }

    /// A request with the input's timeouts, CA file and (expanded) headers.
    func request(_ url: String, protocols: String = "https,http") throws(TierwatchError) -> TransferRequest {
        var headers: [(name: String, value: String)] = []
        for header in settings.headers {
            do throws(SourceError) {
                headers.append((header.name, try Template.expand(header.value, environment: context.environment)))
            } catch {
                throw TierwatchError(.badJob, "\(input): header \(header.name): \(error.message)")
            }
        }
        var request = TransferRequest(url: url, headers: headers)
        request.protocols = protocols
        request.connectTimeoutSeconds = settings.connectTimeoutSeconds
        request.totalTimeoutSeconds = settings.timeoutSeconds
        request.caFile = settings.caFile.map(jobPath)
        return request
    }

    /// The error for a transfer that failed for good, or nil when it is worth retrying.
    func failure(_ error: TransferError, display: String) -> TierwatchError? {
        if error.isTransient { return nil }
        return TierwatchError(.missingInput, "\(input): cannot fetch \(display): \(error.message) (curl error \(error.curlCode))")
    }

    /// The error for an HTTP status that is neither success nor transient.
    func failure(status: Int, display: String) -> TierwatchError {
        let meaning =
            switch status {
            case 401: " (unauthorized: check the credentials the headers name)"
            case 403: " (forbidden)"
            case 404: " (not found)"
            default: ""
            }
        return TierwatchError(.missingInput, "\(input): \(display) answered \(status)\(meaning)")
    }

    /// Downloads one object into the cache, with retries; returns its entry and the response.
    ///
    /// With `conditional`, a cached copy that still verifies is offered to the server
    /// (`If-None-Match`, `If-Modified-Since`) and kept on `304 Not Modified`. `writer`
    /// makes what turns the received bytes into the cached file (a copy by default).
    func download(
        _ request: TransferRequest, source: String, file: String, conditional: Bool,
        writer: (PartialDownload) -> ChunkWriter = { ChunkWriter($0) }
    ) throws(TierwatchError) -> DownloadResult {
        var request = request
        let cached = cache.entry(source: source).flatMap { conditional && cache.verify($0) ? $0 : nil }
        if let cached {
            if let etag = cached.etag { request.headers.append(("If-None-Match", etag)) }
            if let modified = cached.lastModified { request.headers.append(("If-Modified-Since", modified)) }
        }
        var delay = retry.firstDelayMilliseconds
        var attempt = 0
        while true {
            let outcome = try downloadOnce(request, source: source, file: file, cached: cached, writer: writer)
            switch outcome {
            case .done(let result): return result
            case .transient(let message):
                guard attempt < retry.retries else {
                    throw TierwatchError(.locked, "\(message) (gave up after \(attempt + 1) attempts)")
                }
                attempt += 1
                retry.sleep(delay)
                delay *= 2
            }
        }
    }

    private func downloadOnce(
        _ request: TransferRequest, source: String, file: String, cached: CachedObject?, writer makeWriter: (PartialDownload) -> ChunkWriter
    ) throws(TierwatchError) -> RetryPolicy.Attempt<DownloadResult> {
        let partial = try PartialDownload(path: cache.folder + "/" + file)
        let writer = makeWriter(partial)
        let response: TransferResponse
        do {
            response = try transfer.perform(request) { chunk in try writer.write(chunk) }
        } catch let error as TransferError {
            partial.discard()
            if let failure = failure(error, display: source) { throw failure }
            return .transient("\(input): fetching \(source): \(error.message)")
        } catch let error as TierwatchError {
            partial.discard()
            throw error
        } catch {
            partial.discard()
            throw TierwatchError(.internalError, "\(input): fetching \(source): \(error)")
        }
        switch response.status {
        case 200..<300:
            try writer.finish()
            // The reader inflates by file name; a gzip body behind a URL without `.gz` still gets it.
            let name = partial.isGzip && !file.hasSuffix(".gz") ? file + ".gz" : file
            let sha = try partial.commit(as: cache.folder + "/" + name)
            let entry = CachedObject(
                source: source, file: name, sha256: sha, bytes: partial.bytes, etag: response.header("ETag"),
                lastModified: response.header("Last-Modified"), fetchedAt: CivilCalendar.utcString(context.now))
            try cache.record(entry)
            return .done(DownloadResult(entry: entry, response: response))
        case 304:
            partial.discard()
            guard var entry = cached else { throw failure(status: 304, display: source) }
            entry.fetchedAt = CivilCalendar.utcString(context.now)
            try cache.record(entry)
            return .done(DownloadResult(entry: entry, response: response))
        case let status where RetryPolicy.transientStatuses.contains(status):
            partial.discard()
            return .transient("\(input): \(source) answered \(status)")
        default:
            partial.discard()
            throw failure(status: response.status, display: source)
        }
    }
}

/// One downloaded (or confirmed unchanged) object and the response that brought it.
struct DownloadResult {
    var entry: CachedObject
    var response: TransferResponse
}

/// Turns received bytes into the cached file: a plain copy; ``JSONLinesToCSV`` converts.
class ChunkWriter {
    let output: PartialDownload

    init(_ output: PartialDownload) { self.output = output }

    func write(_ chunk: UnsafeRawBufferPointer) throws(TierwatchError) { try output.write(chunk) }

    /// Called once the whole body arrived, before the file is committed.
    func finish() throws(TierwatchError) {}
}

/// `{from}`, `{to}` (the period's first and last local day) and `{period}` (its label) in URLs.
enum PeriodPlaceholders {
    static func expand(_ url: String, period: ReportPeriod) -> String {
        guard url.contains("{") else { return url }
        let calendar = try? PeriodCalendar(timeZoneIdentifier: period.timeZoneIdentifier)
        func day(_ instant: Int64) -> String {
            guard let date = calendar?.localDate(of: instant) else { return "" }
            return "\(date.year)-\(date.month < 10 ? "0" : "")\(date.month)-\(date.day < 10 ? "0" : "")\(date.day)"
        }
        return url.replacingOccurrences(of: "{from}", with: day(period.start))
            .replacingOccurrences(of: "{to}", with: day(period.end - 1))
            .replacingOccurrences(of: "{period}", with: period.label)
    }
}

/// The date in an object's name, and whether it belongs to a run.
///
/// The first `YYYY-MM-DD`, `YYYY/MM/DD` or `YYYYMMDD` (not inside a longer run of digits)
/// in the key or file name is its date, read as a local day of the job's timezone.
package enum ObjectDates {
    /// The date as `yyyymmdd`, or nil when the name has none.
    package static func find(in name: String) -> Int? {
        let bytes = Array(name.utf8)
        func digits(_ from: Int, _ count: Int) -> Int? {
            guard from >= 0, from + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[from..<from + count] {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        func isDigit(_ index: Int) -> Bool { index >= 0 && index < bytes.count && bytes[index] >= 0x30 && bytes[index] <= 0x39 }
        for start in 0..<bytes.count where !isDigit(start - 1) {
            guard let year = digits(start, 4), (1900...2199).contains(year) else { continue }
            var candidates: [(Int?, Int?, Int)] = []
            if start + 4 < bytes.count, bytes[start + 4] == UInt8(ascii: "-") || bytes[start + 4] == UInt8(ascii: "/"),
                start + 7 < bytes.count, bytes[start + 7] == bytes[start + 4]
            {
                candidates.append((digits(start + 5, 2), digits(start + 8, 2), start + 10))
            }
            candidates.append((digits(start + 4, 2), digits(start + 6, 2), start + 8))
            for (month, day, end) in candidates {
                guard let month, let day, (1...12).contains(month), (1...31).contains(day), !isDigit(end) else { continue }
                return year * 10_000 + month * 100 + day
            }
        }
        return nil
    }

    /// Whether an object dated by its name belongs to the run.
    ///
    /// An object named for day D holds what happened during D in the source's
    /// `date_timezone` (UTC unless the job says otherwise). `period` takes exactly the
    /// objects whose day, widened by `date_margin_days` on each side, overlaps the period;
    /// `through_period` every object whose (widened) day starts before the period ends.
    package static func selects(_ name: String, _ selection: ObjectSelection, period: ReportPeriod, settings: SourceSettings) -> Bool {
        if selection == .all { return true }
        guard let date = find(in: name), let calendar = try? PeriodCalendar(timeZoneIdentifier: settings.dateTimeZone) else {
            return false
        }
        let day = CivilDate(year: date / 10_000, month: date / 100 % 100, day: date % 100)
        guard let first = try? calendar.period(label: day.adding(days: -settings.dateMarginDays).label),
            let last = try? calendar.period(label: day.adding(days: settings.dateMarginDays).label)
        else { return false }
        return first.start < period.end && (selection == .throughPeriod || last.end > period.start)
    }
}
