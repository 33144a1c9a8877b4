import Foundation
import HTTPTransport
import Testing

/// Deterministic bytes, large enough to arrive in several chunks.
private let payload: [UInt8] = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }

@Suite("Transfer")
struct TransferTests {
    @Test("a GET streams the served file in several chunks, byte for byte")
    func getFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = try directory.write(payload, to: "data.bin")
        let server = try TestServer(.files, serving: directory.path)
        defer { server.stop() }

        var received: [UInt8] = []
        var chunks = 0
        let transfer = try Transfer()
        let response = try transfer.perform(TransferRequest(url: "http://127.0.0.1:\(server.port)/data.bin")) { chunk in
            received += chunk
            chunks += 1
        }
        #expect(response.status == 200)
        #expect(response.header("content-length") == "\(payload.count)")
        #expect(chunks > 1)
        #expect(received == payload)

        // The same handle serves a second request without leftover state.
        let again = try transfer.perform(TransferRequest(url: "http://127.0.0.1:\(server.port)/missing")) { _ in }
        #expect(again.status == 404)
    }

    @Test("a request with a body is a POST that sends every byte, and the same handle then GETs again")
    func postBody() throws {
        let server = try TestServer(.files, serving: "/nonexistent")
        defer { server.stop() }
        let transfer = try Transfer()
        // A NUL inside proves the size, not strlen, decides what is sent.
        let sent: [UInt8] = Array(#"{"a":1}"#.utf8) + [0] + Array("tail".utf8)
        var request = TransferRequest(url: "http://127.0.0.1:\(server.port)/hook", headers: [("Content-Type", "application/json")])
        request.body = sent
        var received: [UInt8] = []
        let response = try transfer.perform(request) { received += $0 }
        #expect(response.status == 201)
        #expect(received == Array("POST\napplication/json\n".utf8) + sent)

        var put = TransferRequest(url: "http://127.0.0.1:\(server.port)/hook")
        put.method = "PUT"
        put.body = Array("x".utf8)
        received = []
        _ = try transfer.perform(put) { received += $0 }
        #expect(String(decoding: received, as: UTF8.self).hasPrefix("PUT\n"))

        let get = try transfer.perform(TransferRequest(url: "http://127.0.0.1:\(server.port)/missing")) { _ in }
        #expect(get.status == 404, "no body or method leaks into the next request")
    }

    @Test("a 429 comes back with its Retry-After header")
    func retryAfter() throws {
        let server = try TestServer(.files, serving: "/nonexistent")
        defer { server.stop() }
        var request = TransferRequest(url: "http://127.0.0.1:\(server.port)/busy")
        request.body = Array("{}".utf8)
        let (response, _) = try fetch(request)
        #expect(response.status == 429)
        #expect(response.header("retry-after") == "120")
    }

    @Test("a 404 is a response, not an error")
    func notFound() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try TestServer(.files, serving: directory.path)
        defer { server.stop() }
        let (response, _) = try fetch(TransferRequest(url: "http://127.0.0.1:\(server.port)/nope.csv"))
        #expect(response.status == 404)
    }

    @Test("custom request headers reach the server; repeated response headers: last wins")
    func requestHeaders() throws {
        let server = try TestServer(.files)
        defer { server.stop() }
        let request = TransferRequest(
            url: "http://127.0.0.1:\(server.port)/echo-headers",
            headers: [(name: "X-Tierwatch-Test", value: "hello world"), (name: "X-Empty", value: "")]
        )
        let (response, body) = try fetch(request)
        let echoed = String(decoding: body, as: UTF8.self)
        #expect(response.status == 200)
        #expect(echoed.contains("X-Tierwatch-Test: hello world\n"))
        #expect(echoed.contains("X-Empty: \n"))
        #expect(response.header("X-TWICE") == "two")
        #expect(response.header("content-type") == "text/plain")
        #expect(response.header("absent") == nil)
    }

    @Test("a header value with a line break is refused before anything is sent")
    func headerInjection() throws {
        let request = TransferRequest(
            url: "http://127.0.0.1:9/",
            headers: [(name: "X-Bad", value: "a\r\nInjected: yes")]
        )
        let error = try #require(throws: TransferError.self) { try fetch(request) }
        #expect(error.message.contains("invalid request header"))
        #expect(!error.isTransient)
    }

    @Test("a redirect is returned as is, not followed")
    func redirectNotFollowed() throws {
        let server = try TestServer(.files)
        defer { server.stop() }
        let (response, body) = try fetch(TransferRequest(url: "http://127.0.0.1:\(server.port)/redirect"))
        #expect(response.status == 302)
        #expect(response.header("Location") == "/echo-headers")
        #expect(body.isEmpty)
    }

    @Test("a file URL is read with status 200")
    func fileURL() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write(payload, to: "local.bin")
        let (response, body) = try fetch(TransferRequest(url: "file://" + path))
        #expect(response.status == 200)
        #expect(body == payload)
    }

    @Test("a missing file is a permanent error")
    func missingFile() throws {
        let error = try #require(throws: TransferError.self) {
            try fetch(TransferRequest(url: "file:///nonexistent/\(UUID().uuidString).csv"))
        }
        #expect(error.curlCode == 37)  // CURLE_FILE_COULDNT_READ_FILE
        #expect(!error.isTransient)
    }

    @Test("other protocols are refused", arguments: ["ftp://127.0.0.1/x", "gopher://127.0.0.1/", "dict://127.0.0.1/"])
    func protocolsLimited(url: String) throws {
        let error = try #require(throws: TransferError.self) { try fetch(TransferRequest(url: url)) }
        #expect(error.curlCode == 1)  // CURLE_UNSUPPORTED_PROTOCOL
        #expect(!error.isTransient)
    }

    @Test("a refused connection is transient and its error hides credentials and query")
    func connectionRefused() throws {
        let closed = try TestServer(.closed)
        closed.stop()
        let url = "http://user:secret@127.0.0.1:\(closed.port)/export.csv?token=hunter2#frag"
        let error = try #require(throws: TransferError.self) { try fetch(TransferRequest(url: url)) }
        #expect(error.curlCode == 7)  // CURLE_COULDNT_CONNECT
        #expect(error.isTransient)
        #expect(error.url == "http://127.0.0.1:\(closed.port)/export.csv")
        #expect(!error.description.contains("secret"))
        #expect(!error.description.contains("hunter2"))
        #expect(error.description.contains("127.0.0.1"))
    }

    @Test("a server that never answers trips the total timeout")
    func totalTimeout() throws {
        let server = try TestServer(.hang)
        defer { server.stop() }
        var request = TransferRequest(url: "http://127.0.0.1:\(server.port)/slow")
        request.totalTimeoutSeconds = 2
        let clock = ContinuousClock()
        let start = clock.now
        let error = try #require(throws: TransferError.self) { try fetch(request) }
        #expect(clock.now - start < .seconds(5))
        #expect(error.curlCode == 28)  // CURLE_OPERATION_TIMEDOUT
        #expect(error.isTransient)
    }

    @Test("an error thrown by the body sink aborts the transfer and is rethrown")
    func sinkErrorAborts() throws {
        struct Full: Error {}
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write(payload, to: "big.bin")
        var calls = 0
        #expect(throws: Full.self) {
            try Transfer().perform(TransferRequest(url: "file://" + path)) { _ in
                calls += 1
                throw Full()
            }
        }
        #expect(calls == 1)
    }

    @Test("the curl version names libcurl")
    func version() {
        #expect(CurlLibrary.version.hasPrefix("libcurl/"))
    }
}

@Suite("URL redaction")
struct RedactionTests {
    @Test("credentials, query and fragment are removed", arguments: [
        ("https://example.com/a/b.csv", "https://example.com/a/b.csv"),
        ("https://u:p@example.com:8443/x?sig=abc", "https://example.com:8443/x"),
        ("https://user@example.com", "https://example.com"),
        ("https://a@b:c@example.com/", "https://example.com/"),
        ("http://example.com?token=1", "http://example.com"),
        ("http://example.com/p#frag", "http://example.com/p"),
        ("http://example.com/users/a@b.csv", "http://example.com/users/a@b.csv"),
        ("file:///tmp/x.csv", "file:///tmp/x.csv"),
    ])
    func redaction(url: String, expected: String) {
        #expect(TransferRequest(url: url).redactedURL == expected)
    }
}
