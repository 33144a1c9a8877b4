/// Which listed objects (S3 keys, SFTP file names) belong to a run.
package enum ObjectSelection: String, Sendable, CaseIterable {
    /// Objects whose name carries a date inside the period (campaign exports, surveys).
    case period
    /// Objects dated on or before the period's last day (histories: consents, erasures).
    case throughPeriod = "through_period"
    /// Every object that matches, dated or not.
    case all
}

/// How an HTTP source is paged.
package enum Pagination: Sendable, Equatable {
    /// One request, one file.
    case none
    /// Follow `Link: <...>; rel="next"` (RFC 8288) until there is none; each page is a CSV file.
    case linkHeader
    /// A JSON-lines API: the line holding `field` gives the next cursor, sent as query
    /// parameter `parameter`; the other lines are records, converted to one CSV per page.
    case cursor(field: String, parameter: String)
}

/// Where an S3 (or S3-compatible) store is and how to address it.
package struct S3Settings: Sendable, Equatable {
    /// The region signed into SigV4 (`us-east-1` unless the job says otherwise).
    package var region: String = "us-east-1"
    /// `https://host[:port]` of an S3-compatible store (MinIO, Ceph); nil is AWS.
    package var endpoint: String?
    /// Path-style URLs (`endpoint/bucket/key`); the default with an endpoint.
    package var pathStyle: Bool?
}

/// The per-input keys that say how a remote `path` is fetched (see README "Sources").
///
/// Only the names of environment variables are kept: header values may use `${VAR}`,
/// expanded when the request is made, so secrets never sit in the job file or the state.
package struct SourceSettings: Sendable, Equatable {
    /// Request headers as written (`${VAR}` expanded at fetch time).
    package var headers: [(name: String, value: String)] = []
    package var caFile: String?
    package var knownHosts: String?
    package var acceptUnknownHostKeys = false
    /// The SSH private key for `sftp://` (its `.pub` beside it is used when present).
    package var identityFile: String?
    package var s3 = S3Settings()
    package var pagination: Pagination = .none
    package var selection: ObjectSelection?
    /// The zone the dates in object names are in (`date_timezone`, default UTC).
    package var dateTimeZone = "UTC"
    /// Extra days taken on each side of the period (`date_margin_days`, default 0): for
    /// exporters that file late events under the next day.
    package var dateMarginDays = 0
    package var connectTimeoutSeconds = 15
    package var timeoutSeconds = 600
    /// Attempts after the first for transient failures (timeouts, 5xx, resets).
    package var retries = 3
    /// The first backoff delay; each later one doubles it.
    package var retryDelayMilliseconds: Int64 = 1_000

    package init() {}

    package static func == (a: SourceSettings, b: SourceSettings) -> Bool {
        a.headers.map { "\($0.name): \($0.value)" } == b.headers.map { "\($0.name): \($0.value)" } && a.caFile == b.caFile
            && a.knownHosts == b.knownHosts && a.acceptUnknownHostKeys == b.acceptUnknownHostKeys
            && a.identityFile == b.identityFile && a.s3 == b.s3 && a.pagination == b.pagination && a.selection == b.selection
            && a.dateTimeZone == b.dateTimeZone && a.dateMarginDays == b.dateMarginDays
            && a.connectTimeoutSeconds == b.connectTimeoutSeconds && a.timeoutSeconds == b.timeoutSeconds
            && a.retries == b.retries && a.retryDelayMilliseconds == b.retryDelayMilliseconds
    }

    /// The keys an input may carry besides the local-file ones.
    package static let keys = [
        "headers", "ca_file", "known_hosts", "accept_unknown_host_keys", "identity_file", "s3", "pagination", "select", "date_timezone", "date_margin_days",
        "connect_timeout_seconds", "timeout_seconds", "retries", "retry_delay_seconds",
    ]

    /// Reads the source keys of one input; `paths` are its `path` values (checked here when remote).
    package static func read(_ members: [String: JSONCursor], paths: [String], pathCursor: JSONCursor?) -> SourceSettings {
        var settings = SourceSettings()
        for (name, value) in members["headers"]?.map() ?? [] {
            guard let text = value.string(nonEmpty: false) else { continue }
            if name.isEmpty || name.utf8.contains(where: { $0 <= 0x20 || $0 == UInt8(ascii: ":") || $0 >= 0x7F }) {
                value.problem("not a valid header name")
            } else if text.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) {
                value.problem("a header value cannot contain a line break")
            } else if let problem = Template.problem(text) {
                value.problem(problem)
            } else if Template.variables(text).isEmpty && ["authorization", "x-api-key", "cookie"].contains(name.lowercased()) {
                value.problem("write secrets as ${ENV_VAR} (read from the environment at fetch time), never in the job file")
            }
            settings.headers.append((name, text))
        }
        settings.caFile = members["ca_file"]?.string()
        settings.knownHosts = members["known_hosts"]?.string()
        settings.acceptUnknownHostKeys = members["accept_unknown_host_keys"]?.bool() ?? false
        settings.identityFile = members["identity_file"]?.string()
        if let s3 = members["s3"]?.object(allowed: ["region", "endpoint", "path_style"]) {
            settings.s3.region = s3["region"]?.string() ?? settings.s3.region
            if let member = s3["endpoint"], let endpoint = member.string() {
                if endpoint.hasPrefix("https://") || (endpoint.hasPrefix("http://") && ReceiverURL.problem(endpoint, allowInsecure: false) == nil) {
                    settings.s3.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
                } else {
                    member.problem("expected an https:// URL (http:// only to 127.0.0.1, ::1 or localhost)")
                }
            }
            settings.s3.pathStyle = s3["path_style"]?.bool()
        }
        if let member = members["pagination"], let paging = member.object(allowed: ["type", "field", "param"]) {
            switch paging["type"]?.choice(["link", "cursor"]) {
            case "link": settings.pagination = .linkHeader
            case "cursor":
                if let field = paging["field"]?.string() {
                    settings.pagination = .cursor(field: field, parameter: paging["param"]?.string() ?? "cursor")
                } else if paging["field"] == nil {
                    member.problem("missing key \"field\" (the JSON member holding the next cursor)")
                }
            case nil where paging["type"] == nil: member.problem("missing key \"type\" (\"link\" or \"cursor\")")
            default: break
            }
        }
        if let text = members["select"]?.choice(ObjectSelection.allCases.map(\.rawValue)) {
            settings.selection = ObjectSelection(rawValue: text)
        }
        if let member = members["date_timezone"], let zone = member.string() {
            do throws(PeriodError) {
                _ = try PeriodCalendar(timeZoneIdentifier: zone)
                settings.dateTimeZone = zone
            } catch {
                member.problem("\(error) (expected an IANA name such as \"UTC\" or \"America/New_York\")")
            }
        }
        settings.dateMarginDays = members["date_margin_days"]?.integer(in: 0...31) ?? settings.dateMarginDays
        settings.connectTimeoutSeconds = members["connect_timeout_seconds"]?.integer(in: 1...300) ?? settings.connectTimeoutSeconds
        settings.timeoutSeconds = members["timeout_seconds"]?.integer(in: 1...86_400) ?? settings.timeoutSeconds
        settings.retries = members["retries"]?.integer(in: 0...10) ?? settings.retries
        if let seconds = members["retry_delay_seconds"]?.number(in: 0...600) {
            settings.retryDelayMilliseconds = Int64(seconds * 1000)
        }

        for path in paths where RemoteLocation.isRemote(path) {
            do throws(SourceError) {
                let location = try RemoteLocation(path)
                switch location.scheme {
                case .sftp:
                    if settings.identityFile == nil {
                        pathCursor?.problem("an sftp:// input needs \"identity_file\" (the SSH private key; password login is not supported)")
                    }
                    if settings.knownHosts == nil && !settings.acceptUnknownHostKeys {
                        pathCursor?.problem(
                            "an sftp:// input needs \"known_hosts\" (an OpenSSH known_hosts file); unknown hosts are refused unless \"accept_unknown_host_keys\": true")
                    }
                case .http:
                    if let problem = ReceiverURL.problem(path, allowInsecure: false) { pathCursor?.problem(problem) }
                case .https, .s3: break
                }
            } catch {
                pathCursor?.problem(error.message)
            }
        }
        return settings
    }
}

/// A fetch problem, before it is given an input's name and an exit status.
package struct SourceError: Error, Sendable {
    package var message: String
    package init(_ message: String) { self.message = message }
}

/// A remote `path`: `https://`, `sftp://user@host/dir/*.csv.gz` or `s3://bucket/prefix/`.
package struct RemoteLocation: Sendable, Equatable {
    package enum Scheme: String, Sendable { case https, http, sftp, s3 }

    package var scheme: Scheme
    /// `user@host:port` as written (no password: one in the URL is refused).
    package var authority: String
    /// The path after the authority, starting with `/` (may be empty for `s3://bucket`).
    package var path: String
    package var raw: String

    package static func isRemote(_ path: String) -> Bool {
        path.contains("://")
    }

    package init(_ text: String) throws(SourceError) {
        guard let separator = text.firstRange(of: "://") else { throw SourceError("not a URL: \(text)") }
        let name = text[..<separator.lowerBound].lowercased()
        guard let scheme = Scheme(rawValue: name) else {
            throw SourceError("unsupported URL scheme \"\(name)://\"; expected https://, sftp:// or s3:// (or a local path)")
        }
        let rest = text[separator.upperBound...]
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = String(rest[..<slash])
        guard !authority.isEmpty else { throw SourceError("\(text): missing host (or bucket)") }
        if let at = authority.lastIndex(of: "@"), authority[..<at].contains(":") {
            throw SourceError("a password in a URL is refused; use key authentication or headers with ${ENV_VAR}")
        }
        self.scheme = scheme
        self.authority = authority
        self.path = String(rest[slash...])
        self.raw = text
    }

    /// The URL without user name, query string or fragment: what messages and reports show.
    package var display: String {
        var host = authority
        if let at = host.lastIndex(of: "@") { host = String(host[host.index(after: at)...]) }
        var path = path
        if let query = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = String(path[..<query]) }
        return "\(scheme.rawValue)://\(host)\(path)"
    }
}

/// `${VAR}` in header values, expanded from the environment at fetch time.
package enum Template {
    /// The variable names used in `text`.
    package static func variables(_ text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.firstRange(of: "${") {
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else { break }
            names.append(String(rest[open.upperBound..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    package static func problem(_ text: String) -> String? {
        var rest = Substring(text)
        while let open = rest.firstRange(of: "${") {
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else { return "unterminated ${ in header value" }
            let name = rest[open.upperBound..<close]
            if name.isEmpty || !name.utf8.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }) {
                return "\"${\(name)}\" is not an environment variable name (letters, digits, _)"
            }
            rest = rest[rest.index(after: close)...]
        }
        return nil
    }

    /// `text` with every `${VAR}` replaced; throws naming the variable (never a value).
    package static func expand(_ text: String, environment: [String: String]) throws(SourceError) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstRange(of: "${"), let close = rest[open.upperBound...].firstIndex(of: "}") {
            result += rest[..<open.lowerBound]
            let name = String(rest[open.upperBound..<close])
            guard let value = environment[name], !value.isEmpty else {
                throw SourceError("the environment variable \(name) is not set")
            }
            result += value
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }
}
