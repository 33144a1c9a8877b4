import CCurl

/// A transfer that did not complete: libcurl's code and message, and the redacted URL.
///
/// HTTP error statuses (404, 500 ...) are not errors: they come back as a
/// ``TransferResponse`` so the caller decides. See
/// https://curl.se/libcurl/c/libcurl-errors.html
package struct TransferError: Error, CustomStringConvertible, Sendable {
    /// The `CURLcode`, for example 7 (`CURLE_COULDNT_CONNECT`).
    package var curlCode: Int32
    /// `curl_easy_strerror` text, followed by libcurl's detail (`CURLOPT_ERRORBUFFER`) when it says more.
    package var message: String
    /// The URL without credentials, query string or fragment (see ``TransferRequest/redactedURL``).
    package var url: String

    /// Creates an error from its parts; `url` must already be redacted.
    package init(curlCode: Int32, message: String, url: String) {
        self.curlCode = curlCode
        self.message = message
        self.url = url
    }

    /// Whether trying again later may succeed, so a run should end as a temporary failure.
    ///
    /// True for timeouts, refused or reset connections, empty replies, cut-off
    /// bodies and name resolution failures: on a cron host these come from
    /// servers restarting and resolver hiccups. A misspelt host name also
    /// fails to resolve, but retrying it costs little and it cannot be told
    /// apart from an outage. TLS certificate problems, bad URLs, unsupported
    /// protocols, missing files and errors thrown by the caller's sink are
    /// not transient.
    package var isTransient: Bool {
        Self.transientCodes.contains(curlCode)
    }

    private static let transientCodes: Set<Int32> = [
        CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT,
        CURLE_OPERATION_TIMEDOUT, CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR,
        CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM,
    ].map { Int32(bitPattern: $0.rawValue) }.reduce(into: []) { $0.insert($1) }

    /// `transfer of <url> failed: <message> (curl error <code>)`.
    package var description: String {
        "transfer of \(url) failed: \(message) (curl error \(curlCode))"
    }
}

/// The libcurl library in use.
package enum CurlLibrary {
    /// The `curl_version()` text, for example `libcurl/7.88.1 OpenSSL/3.0.19 zlib/1.2.13`.
    ///
    /// See https://curl.se/libcurl/c/curl_version.html
    package static var version: String {
        String(cString: curl_version())
    }
}
