/// What to fetch and how; the options a batch job needs, nothing more.
package struct TransferRequest: Sendable {
    /// A URL whose scheme is in ``protocols``; other schemes are refused by ``Transfer``.
    package var url: String
    /// The schemes this request may use (`CURLOPT_PROTOCOLS_STR`), comma-separated.
    ///
    /// `http,https,file` unless a caller widens it on purpose (`sftp` for a source,
    /// `smtp,smtps` for mail), so a URL from a job file cannot reach other protocols.
    package var protocols: String = "http,https,file"
    /// User name and password (`CURLOPT_USERNAME`/`CURLOPT_PASSWORD`): SMTP AUTH, or the
    /// AWS access key id and secret key when ``awsSigV4`` is set. Never logged.
    package var username: String? = nil
    package var password: String? = nil
    /// `CURLOPT_AWS_SIGV4`, for example `aws:amz:eu-north-1:s3`: libcurl signs the request
    /// with AWS Signature Version 4 using ``username`` and ``password``.
    /// See https://curl.se/libcurl/c/CURLOPT_AWS_SIGV4.html
    package var awsSigV4: String? = nil
    /// SSH settings for `sftp://` URLs.
    package var ssh: SSHOptions? = nil
    /// Lists a directory's names only (`CURLOPT_DIRLISTONLY`, for `sftp://.../`).
    package var listOnly: Bool = false
    /// Mail submission: envelope sender and recipients; the message is ``upload``.
    package var mail: MailEnvelope? = nil
    /// Bytes uploaded through the read callback (the message of an SMTP transfer).
    package var upload: [UInt8]? = nil
    /// Whether TLS is required, tried or not used on protocols that upgrade (SMTP STARTTLS).
    package var upgradeTLS: UpgradeTLS = .required
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

/// SSH key authentication and host checking for `sftp://` (libcurl's libssh2 back end).
package struct SSHOptions: Sendable {
    /// The private key (`CURLOPT_SSH_PRIVATE_KEYFILE`).
    package var privateKeyFile: String
    /// The public key, when libssh2 cannot derive it (`CURLOPT_SSH_PUBLIC_KEYFILE`).
    package var publicKeyFile: String?
    /// An OpenSSH known_hosts file (`CURLOPT_SSH_KNOWNHOSTS`); a host missing from it or
    /// with another key is refused. `nil` checks nothing (only on the job's explicit say).
    package var knownHostsFile: String?

    package init(privateKeyFile: String, publicKeyFile: String?, knownHostsFile: String?) {
        self.privateKeyFile = privateKeyFile
        self.publicKeyFile = publicKeyFile
        self.knownHostsFile = knownHostsFile
    }
}

/// The envelope of one SMTP submission (`MAIL FROM`, `RCPT TO`).
package struct MailEnvelope: Sendable {
    package var from: String
    package var recipients: [String]

    package init(from: String, recipients: [String]) {
        self.from = from
        self.recipients = recipients
    }
}

/// `CURLOPT_USE_SSL` for protocols that upgrade a plain connection (SMTP `STARTTLS`).
package enum UpgradeTLS: Sendable {
    /// Fail unless the connection is (or becomes) TLS.
    case required
    /// Use STARTTLS when offered, carry on in clear text otherwise.
    case whenOffered
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
