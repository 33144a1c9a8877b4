/// What to fetch and how; the options a batch job needs, nothing more.
package struct TransferRequest: Sendable {
    /// An `http`, `https` or `file` URL; other schemes are refused by ``Transfer``.
    package var url: String
    /// Extra request headers, sent in order. An empty value sends the header empty.
    package var headers: [(name: String, value: String)]
    /// Seconds allowed for the connection (TCP and TLS) to be set up.
    package var connectTimeoutSeconds: Int = 10
    /// Seconds allowed for the whole transfer, body included; 0 means no limit.
    package var totalTimeoutSeconds: Int = 300
    /// A PEM bundle of CA certificates to trust instead of the system store (`CURLOPT_CAINFO`).
    package var caFile: String? = nil
    /// Whether the server certificate and host name are checked.
    ///
    /// Stays true unless a caller explicitly opts out (for a test server);
    /// prefer ``caFile`` to trust a private CA.
    package var verifyTLS: Bool = true
    /// The request method; `nil` means GET, or POST when ``body`` is set.
    package var method: String? = nil
    /// A request body to send (copied by libcurl before the transfer starts); `nil` sends none.
    package var body: [UInt8]? = nil

    /// Creates a request for `url` with optional extra `headers`.
    package init(url: String, headers: [(name: String, value: String)] = []) {
        self.url = url
        self.headers = headers
    }

    /// ``url`` with credentials, query string and fragment removed, safe for logs.
    ///
    /// Query strings often carry tokens and `user:password@` carries a
    /// password, and errors go to cron mail. The authority is taken to end at
    /// the first `/`, `?` or `#` (RFC 3986 §3.2), and everything up to its
    /// last `@` is dropped.
    package var redactedURL: String {
        var rest = Substring(url)
        var prefix = Substring("")
        if let separator = rest.firstRange(of: "://") {
            prefix = rest[..<separator.upperBound]
            rest = rest[separator.upperBound...]
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") {
            authority = authority[authority.index(after: at)...]
        }
        var path = rest[authorityEnd...]
        if let queryStart = path.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            path = path[..<queryStart]
        }
        return String(prefix + authority + path)
    }
}

/// The status and headers of a completed transfer (the body went to the sink).
package struct TransferResponse: Sendable {
    /// The HTTP status code; 200 for a successful `file://` read.
    package var status: Int
    /// The response headers in arrival order, of the final response only.
    package var headers: [(name: String, value: String)]

    /// Creates a response from its parts.
    package init(status: Int, headers: [(name: String, value: String)]) {
        self.status = status
        self.headers = headers
    }

    /// The value of header `name` compared case-insensitively; the last occurrence wins.
    package func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.last { $0.name.lowercased() == wanted }?.value
    }
}
