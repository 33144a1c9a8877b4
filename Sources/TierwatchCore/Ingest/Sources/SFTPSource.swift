import Glibc
import HTTPTransport

/// `sftp://user@host[:port]/dir/pattern`: lists `dir`, keeps the names matching `pattern`
/// (fnmatch) and the period, and downloads each with key authentication.
///
/// The host key is checked against the input's `known_hosts` (a host missing from it or
/// with another key is refused) unless the job sets `accept_unknown_host_keys`.
struct SFTPSource {
    let session: FetchSession

    func fetch(_ location: RemoteLocation, select: (String) -> Bool) throws(TierwatchError) -> [CachedObject] {
        let slash = location.path.lastIndex(of: "/") ?? location.path.startIndex
        let directory = String(location.path[..<slash]) + "/"
        let pattern = String(location.path[location.path.index(after: slash)...])
        let base = "sftp://\(location.authority)"
        let displayDirectory = location.display.dropLast(pattern.count)

        var listing: [UInt8] = []
        var request = try sftpRequest(base + directory)
        request.listOnly = true
        _ = try session.retry.run { () throws(TierwatchError) -> RetryPolicy.Attempt<Void> in
            listing = []
            do {
                _ = try session.transfer.perform(request) { listing += $0 }
                return .done(())
            } catch let error as TransferError {
                if let failure = failure(error, display: String(displayDirectory)) { throw failure }
                return .transient("\(session.input): listing \(displayDirectory): \(error.message)")
            } catch {
                throw TierwatchError(.internalError, "\(session.input): listing \(displayDirectory): \(error)")
            }
        }
        let names = String(decoding: listing, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map(String.init)
            .filter { $0 != "." && $0 != ".." && (pattern.isEmpty || fnmatch(pattern, $0, 0) == 0) && select($0) }
            .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }

        var objects: [CachedObject] = []
        for (index, name) in names.enumerated() {
            let source = displayDirectory + name
            let file = String(index + 1) + "-" + name
            // SFTP has no validators: a refetch downloads again (the hash shows if it changed).
            let result = try session.download(
                try sftpRequest(base + directory + S3Source.percentEncode(name, keepSlash: false)), source: String(source), file: file,
                conditional: false)
            objects.append(result.entry)
        }
        return objects
    }

    private func sftpRequest(_ url: String) throws(TierwatchError) -> TransferRequest {
        var request = try session.request(url, protocols: "sftp")
        request.headers = []
        let key = session.jobPath(session.settings.identityFile ?? "")
        let publicKey = key + ".pub"
        request.ssh = SSHOptions(
            privateKeyFile: key, publicKeyFile: access(publicKey, R_OK) == 0 ? publicKey : nil,
            knownHostsFile: session.settings.acceptUnknownHostKeys ? nil : session.settings.knownHosts.map(session.jobPath))
        return request
    }

    private func failure(_ error: TransferError, display: String) -> TierwatchError? {
        // 60: CURLE_PEER_FAILED_VERIFICATION, what libcurl reports for a refused host key.
        if error.curlCode == 60 {
            return TierwatchError(
                .missingInput,
                "\(session.input): \(display): the server's host key is not in \(session.settings.knownHosts ?? "known_hosts") (or differs): refused (\(error.message))")
        }
        return session.failure(error, display: display)
    }
}
