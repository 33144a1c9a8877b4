import HTTPTransport

/// `s3://bucket/prefix/`: lists the prefix (ListObjectsV2, all pages) and fetches the
/// objects of the period, every request signed with AWS SigV4 by libcurl.
///
/// Credentials come from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and, for temporary
/// credentials, `AWS_SESSION_TOKEN`. Objects are chosen by the date in their key (see
/// ``ObjectDates``), not by LastModified: a re-uploaded or late export still belongs to
/// the day its key names, so reruns pull the same objects. An object whose listing ETag
/// matches the cached copy is not downloaded again.
struct S3Source {
    let session: FetchSession
    /// SHA-256 of an empty payload: S3 wants the payload hash in `x-amz-content-sha256`.
    static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    struct Listed {
        var key: String
        var etag: String?
    }

    func fetch(_ location: RemoteLocation, select: (String) -> Bool) throws(TierwatchError) -> [CachedObject] {
        let bucket = location.authority
        let prefix = String(location.path.drop { $0 == "/" })
        let listed = try list(bucket: bucket, prefix: prefix).filter { !$0.key.hasSuffix("/") && select($0.key) }
            .sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
        var objects: [CachedObject] = []
        for (index, object) in listed.enumerated() {
            let source = "s3://\(bucket)/\(object.key)"
            if let cached = session.cache.entry(source: source), cached.etag != nil, cached.etag == object.etag, session.cache.verify(cached) {
                objects.append(cached)
                continue
            }
            let name = object.key.split(separator: "/").last.map(String.init) ?? "object"
            let file = String(index + 1) + "-" + name
            let request = try signed(objectURL(bucket: bucket, key: object.key))
            objects.append(try session.download(request, source: source, file: file, conditional: true).entry)
        }
        return objects
    }

    private func list(bucket: String, prefix: String) throws(TierwatchError) -> [Listed] {
        var objects: [Listed] = []
        var token: String?
        var pages = 0
        repeat {
            // Query parameters in canonical (sorted) order. libcurl 7.88 signs the query string
            // as written, without normalising it, so `/` in the prefix is left as is: that is
            // what moto's (and S3's) canonicalisation of the received query agrees with.
            var query: [String] = []
            if let token { query.append("continuation-token=" + Self.percentEncode(token, keepSlash: false)) }
            query.append("list-type=2")
            query.append("prefix=" + Self.percentEncode(prefix, keepSlash: true))
            let url = bucketURL(bucket) + "?" + query.joined(separator: "&")
            let display = "s3://\(bucket)/\(prefix)"
            let body: [UInt8] = try session.retry.run { () throws(TierwatchError) -> RetryPolicy.Attempt<[UInt8]> in
                var body: [UInt8] = []
                let response: TransferResponse
                do {
                    response = try session.transfer.perform(try signed(url)) { body += $0 }
                } catch let error as TransferError {
                    if let failure = session.failure(error, display: display) { throw failure }
                    return .transient("\(session.input): listing \(display): \(error.message)")
                } catch let error as TierwatchError {
                    throw error
                } catch {
                    throw TierwatchError(.internalError, "\(session.input): listing \(display): \(error)")
                }
                if RetryPolicy.transientStatuses.contains(response.status) {
                    return .transient("\(session.input): listing \(display) answered \(response.status)")
                }
                guard response.status == 200 else {
                    let code = XMLText.first("Code", in: String(decoding: body, as: UTF8.self)).map { " \($0)" } ?? ""
                    var error = session.failure(status: response.status, display: display)
                    error.message += code
                    throw error
                }
                return .done(body)
            }
            let xml = String(decoding: body, as: UTF8.self)
            for contents in XMLText.all("Contents", in: xml) {
                guard let key = XMLText.first("Key", in: contents) else { continue }
                objects.append(Listed(key: key, etag: XMLText.first("ETag", in: contents)))
            }
            token = XMLText.first("IsTruncated", in: xml) == "true" ? XMLText.first("NextContinuationToken", in: xml) : nil
            pages += 1
        } while token != nil && pages < 100_000
        return objects
    }

    private var pathStyle: Bool { session.settings.s3.pathStyle ?? (session.settings.s3.endpoint != nil) }

    private func bucketURL(_ bucket: String) -> String {
        let s3 = session.settings.s3
        if pathStyle {
            return (s3.endpoint ?? "https://s3.\(s3.region).amazonaws.com") + "/" + bucket
        }
        if let endpoint = s3.endpoint, let range = endpoint.firstRange(of: "://") {
            return endpoint[..<range.upperBound] + bucket + "." + endpoint[range.upperBound...]
        }
        return "https://\(bucket).s3.\(s3.region).amazonaws.com"
    }

    private func objectURL(bucket: String, key: String) -> String {
        bucketURL(bucket) + "/" + Self.percentEncode(key, keepSlash: true)
    }

    private func signed(_ url: String) throws(TierwatchError) -> TransferRequest {
        let environment = session.context.environment
        guard let keyID = environment["AWS_ACCESS_KEY_ID"], !keyID.isEmpty, let secret = environment["AWS_SECRET_ACCESS_KEY"],
            !secret.isEmpty
        else {
            throw TierwatchError(.badJob, "\(session.input): s3:// needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment")
        }
        var request = try session.request(url)
        request.username = keyID
        request.password = secret
        request.awsSigV4 = "aws:amz:\(session.settings.s3.region):s3"
        request.headers.append(("x-amz-content-sha256", Self.emptyPayloadHash))
        if let token = environment["AWS_SESSION_TOKEN"], !token.isEmpty {
            request.headers.append(("x-amz-security-token", token))
        }
        return request
    }

    /// RFC 3986 percent-encoding of everything but unreserved characters (and `/` in keys).
    static func percentEncode(_ text: String, keepSlash: Bool) -> String {
        var out = ""
        for byte in text.utf8 {
            let unreserved =
                (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E || (keepSlash && byte == 0x2F)
            if unreserved {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return out
    }
}

/// Just enough XML for S3 listings: the text of `<Name>` elements, entities decoded.
enum XMLText {
    static func all(_ name: String, in xml: String) -> [String] {
        var results: [String] = []
        var rest = Substring(xml)
        while let open = rest.firstRange(of: "<\(name)>"), let close = rest[open.upperBound...].firstRange(of: "</\(name)>") {
            results.append(decode(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return results
    }

    static func first(_ name: String, in xml: String) -> String? {
        all(name, in: xml).first
    }

    private static func decode(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        var out = ""
        var rest = text
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semicolon = rest[amp...].firstIndex(of: ";") else { break }
            let entity = rest[rest.index(after: amp)..<semicolon]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                let number = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16) : entity.hasPrefix("#") ? UInt32(entity.dropFirst()) : nil
                if let number, let scalar = Unicode.Scalar(number) { out.unicodeScalars.append(scalar) } else { out += "&\(entity);" }
            }
            rest = rest[rest.index(after: semicolon)...]
        }
        return out + rest
    }
}
