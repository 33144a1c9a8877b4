import CCurl

/// `curl_global_init`, run once per process on first use.
///
/// A global `let` is initialized lazily and exactly once, thread-safely, by
/// the Swift runtime; libcurl requires the global init before any easy handle.
/// See https://curl.se/libcurl/c/curl_global_init.html
private let globalInitCode: UInt32 = tw_curl_global_init_default().rawValue

/// One libcurl easy handle, reused for sequential transfers (keeping its connection cache).
///
/// Owns the `CURL*` (`curl_easy_cleanup` in `deinit`) and its error buffer.
/// Not thread-safe: one `Transfer` per thread. Every ``perform(_:body:)``
/// starts from `curl_easy_reset`, so no option leaks from one request to the
/// next. See https://curl.se/libcurl/c/libcurl-easy.html
package final class Transfer {
    private let handle: UnsafeMutableRawPointer
    /// `CURLOPT_ERRORBUFFER` storage; libcurl writes a detailed message here on failure.
    private let errorBuffer: UnsafeMutablePointer<CChar>

    /// Creates an easy handle, initializing libcurl on first use.
    package init() throws(TransferError) {
        guard globalInitCode == CURLE_OK.rawValue else {
            throw TransferError(
                curlCode: Int32(bitPattern: globalInitCode),
                message: "curl_global_init failed",
                url: ""
            )
        }
        guard let handle = curl_easy_init() else {
            throw TransferError(
                curlCode: Int32(bitPattern: CURLE_FAILED_INIT.rawValue),
                message: "curl_easy_init failed",
                url: ""
            )
        }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Performs the request, streaming the body to `sink` chunk by chunk.
    ///
    /// The body is never buffered here: each chunk is handed to `sink` (valid
    /// only during the call) as libcurl receives it. An error thrown by `sink`
    /// aborts the transfer and is rethrown as is. Redirects are not followed
    /// (a 302 is returned as 302), and only `http`, `https` and `file` URLs
    /// are allowed, so a URL from a job file cannot reach other protocols.
    /// A request with a ``TransferRequest/body`` is a POST unless it names a method.
    ///
    /// HTTP statuses, including 4xx and 5xx, are returned, not thrown; failures
    /// to transfer at all throw ``TransferError``. libcurl reports status 0
    /// for a successful `file://` read; it is returned as 200 so callers have
    /// one success check.
    package func perform(
        _ request: TransferRequest,
        body sink: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> TransferResponse {
        let url = request.redactedURL
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        for (name, value) in request.headers {
            headerList = try Self.append(name: name, value: value, to: headerList, url: url)
        }

        var recipientList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(recipientList) }
        for recipient in request.mail?.recipients ?? [] {
            guard let appended = curl_slist_append(recipientList, recipient) else {
                throw TransferError(curlCode: Int32(bitPattern: CURLE_OUT_OF_MEMORY.rawValue), message: "curl_slist_append failed", url: url)
            }
            recipientList = appended
        }

        return try withoutActuallyEscaping(sink) { sink in
            let context = CallbackContext(sink: sink)
            context.upload = request.upload ?? []
            return try withExtendedLifetime(context) { () throws -> TransferResponse in
                curl_easy_reset(handle)
                try configure(
                    request, headerList: headerList, recipients: recipientList, context: Unmanaged.passUnretained(context).toOpaque())
                errorBuffer[0] = 0
                let rc = curl_easy_perform(handle)
                if let sinkError = context.sinkError {
                    throw sinkError
                }
                guard rc == CURLE_OK else { throw error(rc, url: url) }

                var status = 0
                try check(tw_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status), url: url)
                if status == 0 {
                    var scheme: UnsafePointer<CChar>?
                    try check(tw_curl_easy_getinfo_string(handle, CURLINFO_SCHEME, &scheme), url: url)
                    // file:// and sftp:// report 0 for success; one success check for callers.
                    if let scheme, ["file", "sftp"].contains(String(cString: scheme).lowercased()) {
                        status = 200
                    }
                }
                return TransferResponse(status: status, headers: context.headers)
            }
        }
    }

    // MARK: - Internals

    private func configure(
        _ request: TransferRequest,
        headerList: UnsafeMutablePointer<curl_slist>?,
        recipients: UnsafeMutablePointer<curl_slist>?,
        context: UnsafeMutableRawPointer
    ) throws(TransferError) {
        let url = request.redactedURL
        // libcurl copies string options (except POSTFIELDS), so temporary C strings suffice.
        try check(tw_curl_easy_setopt_string(handle, CURLOPT_URL, request.url), url: url)
        try check(tw_curl_easy_setopt_string(handle, CURLOPT_PROTOCOLS_STR, request.protocols), url: url)
        try check(tw_curl_easy_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0), url: url)
        // Timeouts must not use signals in a process that may have other threads.
        try check(tw_curl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1), url: url)
        try check(tw_curl_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, request.connectTimeoutSeconds), url: url)
        try check(tw_curl_easy_setopt_long(handle, CURLOPT_TIMEOUT, request.totalTimeoutSeconds), url: url)
        try check(tw_curl_easy_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, request.verifyTLS ? 1 : 0), url: url)
        try check(tw_curl_easy_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, request.verifyTLS ? 2 : 0), url: url)
        if let caFile = request.caFile {
            try check(tw_curl_easy_setopt_string(handle, CURLOPT_CAINFO, caFile), url: url)
        }
        if let body = request.body {
            // The size first: COPYPOSTFIELDS copies that many bytes (a body may hold NULs),
            // and the copy means the Swift array need not outlive this call.
            try check(tw_curl_easy_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)), url: url)
            // An empty body still needs a valid pointer; the size (0) says nothing is read.
            let rc = (body.isEmpty ? [0] : body).withUnsafeBytes { raw in
                tw_curl_easy_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress))
            }
            try check(rc, url: url)
        }
        if let username = request.username {
            try check(tw_curl_easy_setopt_string(handle, CURLOPT_USERNAME, username), url: url)
        }
        if let password = request.password {
            try check(tw_curl_easy_setopt_string(handle, CURLOPT_PASSWORD, password), url: url)
        }
        if let sigV4 = request.awsSigV4 {
            try check(tw_curl_easy_setopt_string(handle, CURLOPT_AWS_SIGV4, sigV4), url: url)
        }
        if let ssh = request.ssh {
            try check(tw_curl_easy_setopt_long(handle, CURLOPT_SSH_AUTH_TYPES, Int(CURLSSH_AUTH_PUBLICKEY)), url: url)
            try check(tw_curl_easy_setopt_string(handle, CURLOPT_SSH_PRIVATE_KEYFILE, ssh.privateKeyFile), url: url)
            if let publicKey = ssh.publicKeyFile {
                try check(tw_curl_easy_setopt_string(handle, CURLOPT_SSH_PUBLIC_KEYFILE, publicKey), url: url)
            }
            // Without CURLOPT_SSH_KEYFUNCTION libcurl rejects a host that is missing from the
            // file or has another key: exactly the refusal we want.
            if let knownHosts = ssh.knownHostsFile {
                try check(tw_curl_easy_setopt_string(handle, CURLOPT_SSH_KNOWNHOSTS, knownHosts), url: url)
            }
        }
        if request.listOnly {
            try check(tw_curl_easy_setopt_long(handle, CURLOPT_DIRLISTONLY, 1), url: url)
        }
        if let mail = request.mail {
            try check(tw_curl_easy_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(mail.from)>"), url: url)
            try check(tw_curl_easy_setopt_slist(handle, CURLOPT_MAIL_RCPT, recipients), url: url)
            let useSSL = request.upgradeTLS == .required ? CURLUSESSL_ALL : CURLUSESSL_TRY
            try check(tw_curl_easy_setopt_long(handle, CURLOPT_USE_SSL, Int(useSSL.rawValue)), url: url)
        }
        if let upload = request.upload {
            try check(tw_curl_easy_setopt_long(handle, CURLOPT_UPLOAD, 1), url: url)
            try check(tw_curl_easy_setopt_off_t(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(upload.count)), url: url)
            try check(tw_curl_easy_setopt_pointer(handle, CURLOPT_READDATA, context), url: url)
            try check(tw_curl_easy_setopt_read_callback(handle, CURLOPT_READFUNCTION) { buffer, size, count, user in
                let context = Unmanaged<CallbackContext>.fromOpaque(user!).takeUnretainedValue()
                let length = min(size * count, context.upload.count - context.uploadOffset)
                guard length > 0, let buffer else { return 0 }
                context.upload.withUnsafeBytes { bytes in
                    UnsafeMutableRawPointer(buffer).copyMemory(
                        from: bytes.baseAddress! + context.uploadOffset, byteCount: length)
                }
                context.uploadOffset += length
                return length
            }, url: url)
        }
        if let method = request.method {
            try check(tw_curl_easy_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method), url: url)
        }
        if let headerList {
            try check(tw_curl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList), url: url)
        }
        try check(tw_curl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), url: url)

        // C function pointers cannot capture; the context travels as user data.
        try check(tw_curl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context), url: url)
        try check(tw_curl_easy_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, user in
            let context = Unmanaged<CallbackContext>.fromOpaque(user!).takeUnretainedValue()
            let length = size * count
            do {
                try context.sink(UnsafeRawBufferPointer(start: data, count: length))
                return length
            } catch {
                // Returning fewer bytes than given makes libcurl abort with CURLE_WRITE_ERROR.
                context.sinkError = error
                return 0
            }
        }, url: url)
        try check(tw_curl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, context), url: url)
        try check(tw_curl_easy_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION) { data, size, count, user in
            let context = Unmanaged<CallbackContext>.fromOpaque(user!).takeUnretainedValue()
            let length = size * count
            context.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: length))
            return length
        }, url: url)
    }

    /// Appends one `Name: value` line, refusing names and values that could smuggle extra lines.
    private static func append(
        name: String,
        value: String,
        to list: UnsafeMutablePointer<curl_slist>?,
        url: String
    ) throws(TransferError) -> UnsafeMutablePointer<curl_slist> {
        let badValue = value.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 }
        let badName = name.isEmpty || name.utf8.contains { $0 <= 0x20 || $0 == UInt8(ascii: ":") || $0 >= 0x7F }
        guard !badName, !badValue else {
            throw TransferError(
                curlCode: Int32(bitPattern: CURLE_BAD_FUNCTION_ARGUMENT.rawValue),
                message: "invalid request header \(badName ? "name" : "value") for header \"\(name)\"",
                url: url
            )
        }
        // "Name:" alone would make libcurl remove the header; "Name;" sends it empty.
        let line = value.isEmpty ? "\(name);" : "\(name): \(value)"
        guard let appended = curl_slist_append(list, line) else {
            throw TransferError(
                curlCode: Int32(bitPattern: CURLE_OUT_OF_MEMORY.rawValue),
                message: "curl_slist_append failed",
                url: url
            )
        }
        return appended
    }

    /// The one place a `CURLcode` is compared with `CURLE_OK`.
    private func check(_ rc: CURLcode, url: String) throws(TransferError) {
        guard rc != CURLE_OK else { return }
        throw error(rc, url: url)
    }

    private func error(_ rc: CURLcode, url: String) -> TransferError {
        let summary = String(cString: curl_easy_strerror(rc))
        let detail = String(cString: errorBuffer)
        let message = detail.isEmpty || detail == summary ? summary : "\(summary): \(detail)"
        return TransferError(curlCode: Int32(bitPattern: rc.rawValue), message: message, url: url)
    }
}

/// Performs `request` and returns its status, headers and whole body.
///
/// For small bodies (API responses); stream large ones with
/// ``Transfer/perform(_:body:)``.
package func fetch(_ request: TransferRequest) throws -> (response: TransferResponse, body: [UInt8]) {
    let transfer = try Transfer()
    var body: [UInt8] = []
    let response = try transfer.perform(request) { chunk in
        body.append(contentsOf: chunk)
    }
    return (response, body)
}

/// State shared with the C callbacks of one transfer, reached through an `Unmanaged` pointer.
private final class CallbackContext {
    let sink: (UnsafeRawBufferPointer) throws -> Void
    var sinkError: (any Error)?
    var headers: [(name: String, value: String)] = []
    /// The bytes an upload sends, and how many were handed to libcurl so far.
    var upload: [UInt8] = []
    var uploadOffset = 0

    init(sink: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        self.sink = sink
    }

    /// Collects one raw header line as libcurl delivers it (CRLF included).
    func receiveHeaderLine(_ raw: UnsafeRawBufferPointer) {
        let line = String(decoding: raw, as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            // A new status line (after 100 Continue, or a proxy CONNECT):
            // only the final response's headers are kept.
            headers.removeAll()
            return
        }
        let trimmed = line.trimmingSpaces()
        guard !trimmed.isEmpty else { return }
        if line.first == " " || line.first == "\t" {
            // Obsolete line folding (RFC 9112 §5.2): continue the previous value.
            if !headers.isEmpty {
                headers[headers.count - 1].value += " " + trimmed
            }
            return
        }
        guard let colon = trimmed.firstIndex(of: ":") else { return }
        let name = String(trimmed[..<colon])
        let value = String(trimmed[trimmed.index(after: colon)...]).trimmingSpaces()
        headers.append((name: name, value: value))
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs, CR and LF (no Foundation needed).
    fileprivate func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}
