import Foundation
import HTTPTransport

/// An `https://` export: one file, or pages followed by `Link: rel="next"` or a cursor.
///
/// Each page becomes one cached file (every page of a CSV export carries its header, so
/// pages are read as separate files of one input). JSON-lines pages are converted to CSV
/// while they stream in (see ``JSONLinesToCSV``). Only the first page is requested
/// conditionally: when it is unchanged (304), the cached pages are kept.
struct HTTPSource {
    let session: FetchSession
    /// A bound on pages, so a server that always answers with a next link cannot loop forever.
    static let maxPages = 10_000

    func fetch(_ location: RemoteLocation) throws(TierwatchError) -> [CachedObject] {
        let base = location.display
        var url = location.raw
        var objects: [CachedObject] = []
        var page = 1
        while page <= Self.maxPages {
            let source = page == 1 ? base : "\(base) (page \(page))"
            var file = "page-" + String(repeating: "0", count: max(0, 4 - String(page).count)) + String(page)
            var nextCursor: String?
            let result: DownloadResult
            switch session.settings.pagination {
            case .cursor(let field, _):
                file += ".csv"
                var converter: JSONLinesToCSV?
                result = try session.download(
                    try session.request(url), source: source, file: file, conditional: page == 1,
                    writer: { partial in
                        let made = JSONLinesToCSV(cursorField: field, output: partial, input: session.input, page: page)
                        converter = made
                        return made
                    })
                nextCursor = converter?.nextCursor
            case .none, .linkHeader:
                // Each page's own URL says whether it is gzip-compressed.
                file += Self.fileExtension(url)
                result = try session.download(try session.request(url), source: source, file: file, conditional: page == 1)
            }
            if result.response.status == 304 {
                // Unchanged export: every page cached by the last fetch stays as it was.
                return session.cache.entries.filter { $0.source == base || $0.source.hasPrefix(base + " (page ") }
            }
            objects.append(result.entry)
            switch session.settings.pagination {
            case .none: return objects
            case .linkHeader:
                guard let next = result.response.header("Link").flatMap({ Self.nextLink($0, relativeTo: url) }) else { return objects }
                url = next
            case .cursor(_, let parameter):
                guard let cursor = nextCursor, !cursor.isEmpty else { return objects }
                url = Self.replacingQuery(parameter, with: cursor, in: location.raw)
            }
            page += 1
        }
        throw TierwatchError(.badData, "\(session.input): \(base) has more than \(Self.maxPages) pages")
    }

    /// `.csv`, `.csv.gz`, ... from the URL path's last segment (the reader decides on `.gz`).
    static func fileExtension(_ path: String) -> String {
        var name = path.split(separator: "/").last.map(String.init) ?? ""
        if let query = name.firstIndex(where: { $0 == "?" || $0 == "#" }) { name = String(name[..<query]) }
        if name.hasSuffix(".gz") { return name.hasSuffix(".csv.gz") ? ".csv.gz" : ".gz" }
        return ".csv"
    }

    /// The `rel="next"` target of a `Link` header (RFC 8288), made absolute.
    static func nextLink(_ header: String, relativeTo current: String) -> String? {
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let target = pieces.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
            let isNext = pieces.dropFirst().contains { parameter in
                let lower = parameter.lowercased().replacingOccurrences(of: " ", with: "")
                guard lower.hasPrefix("rel=") else { return false }
                return lower.dropFirst(4).trimmingCharacters(in: CharacterSet(charactersIn: "\"")).split(separator: " ").contains("next")
            }
            guard isNext else { continue }
            let link = String(target.dropFirst().dropLast())
            if link.contains("://") { return link }
            guard let schemeEnd = current.firstRange(of: "://") else { return nil }
            let afterScheme = current[schemeEnd.upperBound...]
            let origin = current[..<(afterScheme.firstIndex(of: "/") ?? current.endIndex)]
            if link.hasPrefix("/") { return origin + link }
            let directory = current[..<(current.lastIndex(of: "/").map { $0 } ?? current.endIndex)]
            return directory + "/" + link
        }
        return nil
    }

    /// `url` with query parameter `name` set to `value` (percent-encoded).
    static func replacingQuery(_ name: String, with value: String, in url: String) -> String {
        let encoded = S3Source.percentEncode(value, keepSlash: false)
        var base = url
        var query: [String] = []
        if let mark = url.firstIndex(of: "?") {
            base = String(url[..<mark])
            query = url[url.index(after: mark)...].split(separator: "&").map(String.init).filter { !$0.hasPrefix(name + "=") }
        }
        query.append("\(name)=\(encoded)")
        return base + "?" + query.joined(separator: "&")
    }
}

/// Converts a page of JSON lines to CSV while it streams: the line holding the cursor
/// field is the page's "next" pointer, every other line an object of one record.
///
/// The header is the first record's member names, sorted; a later record with a member
/// the header lacks is an error naming the page and line (a member it lacks is empty).
/// Strings are written as they are, numbers as written, `true`/`false`, `null` empty, and
/// an array of strings joined with `;` (as `data_categories` expects).
final class JSONLinesToCSV: ChunkWriter {
    let cursorField: String
    let input: String
    let page: Int
    private var pending: [UInt8] = []
    private var header: [String]?
    private var line = 0
    private(set) var nextCursor: String?

    init(cursorField: String, output: PartialDownload, input: String, page: Int) {
        self.cursorField = cursorField
        self.input = input
        self.page = page
        super.init(output)
    }

    override func write(_ chunk: UnsafeRawBufferPointer) throws(TierwatchError) {
        var start = 0
        for index in 0..<chunk.count where chunk[index] == 0x0A {
            pending.append(contentsOf: chunk[start..<index])
            try consume(pending)
            pending.removeAll(keepingCapacity: true)
            start = index + 1
        }
        pending.append(contentsOf: chunk[start..<chunk.count])
    }

    override func finish() throws(TierwatchError) {
        if !pending.isEmpty { try consume(pending) }
        pending = []
    }

    private func consume(_ bytes: [UInt8]) throws(TierwatchError) {
        line += 1
        let trimmed = bytes.last == 0x0D ? Array(bytes.dropLast()) : bytes
        guard trimmed.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { return }
        let where_ = "\(input): page \(page), line \(line)"
        let value: JSONValue
        do throws(TierwatchError) {
            value = try JSONValue.parse(trimmed)
        } catch {
            throw TierwatchError(.badData, "\(where_): not valid JSON: \(error.message)")
        }
        guard case .object(let members) = value else { throw TierwatchError(.badData, "\(where_): expected a JSON object") }
        if let cursor = members[cursorField] {
            switch cursor {
            case .string(let text): nextCursor = text
            case .null: nextCursor = nil
            case .number(let number): nextCursor = number == number.rounded() ? String(Int64(number)) : String(number)
            default: throw TierwatchError(.badData, "\(where_): \"\(cursorField)\" must be a string, a number or null")
            }
            if members.count == 1 { return }
        }
        let names = members.keys.filter { $0 != cursorField }.sorted()
        if header == nil {
            header = names
            try emit(names)
        }
        let columns = header!
        if let unexpected = names.first(where: { !columns.contains($0) }) {
            throw TierwatchError(
                .badData, "\(where_): member \"\(unexpected)\" is not in the first record's members (\(columns.joined(separator: ", ")))")
        }
        var fields: [String] = []
        for name in columns {
            switch members[name] ?? .null {
            case .null: fields.append("")
            case .string(let text): fields.append(text)
            case .bool(let flag): fields.append(flag ? "true" : "false")
            case .number(let number): fields.append(number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number))
            case .array(let items):
                var parts: [String] = []
                for item in items {
                    guard case .string(let text) = item else {
                        throw TierwatchError(.badData, "\(where_): \"\(name)\": expected an array of strings")
                    }
                    parts.append(text)
                }
                fields.append(parts.joined(separator: ";"))
            case .object: throw TierwatchError(.badData, "\(where_): \"\(name)\": a nested object cannot be a CSV field")
            }
        }
        try emit(fields)
    }

    private func emit(_ fields: [String]) throws(TierwatchError) {
        let text =
            fields.map { field in
                field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                    ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
            }.joined(separator: ",") + "\n"
        var bytes = Array(text.utf8)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: bytes)
        bytes = []
        try output.write(UnsafeRawBufferPointer(buffer))
    }
}
