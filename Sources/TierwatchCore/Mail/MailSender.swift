import HTTPTransport

/// One SMTP attempt for an `email` notification of the outbox.
///
/// `smtp://` upgrades with STARTTLS, required unless the job set `require_tls: false`;
/// `smtps://` is TLS from the start. Certificates are verified (a job's `ca_file` can
/// name a private CA). Credentials are read from the environment now, never stored.
enum MailSender {
    enum Problem: Error {
        case retry(String)
        case permanent(String)
    }

    static func send(_ notification: OutboxRecord, context: RunContext) throws(Problem) -> Int {
        guard let url = notification.url else { throw .permanent("the message has no SMTP URL") }
        guard case .object(let options)? = try? JSONValue.parse(Array(notification.options.utf8)),
            case .string(let from)? = options["from"], case .array(let list)? = options["to"]
        else { throw .permanent("the message has no envelope") }
        let recipients = list.compactMap { item -> String? in if case .string(let text) = item { text } else { nil } }
        var request = TransferRequest(url: url)
        request.protocols = "smtp,smtps"
        request.mail = MailEnvelope(from: from, recipients: recipients)
        request.upload = Array(notification.body.utf8)
        request.upgradeTLS = options["require_tls"] == .bool(false) ? .whenOffered : .required
        if case .string(let caFile)? = options["ca_file"] { request.caFile = caFile }
        if case .string(let name)? = options["username_env"] {
            guard let user = context.environment[name], !user.isEmpty else {
                throw .retry("the environment variable \(name) (the SMTP user name) is not set")
            }
            guard let passwordName = notification.secretEnvironment, let password = context.environment[passwordName], !password.isEmpty
            else { throw .retry("the environment variable \(notification.secretEnvironment ?? "password_env") is not set") }
            request.username = user
            request.password = password
        }
        request.connectTimeoutSeconds = min(30, notification.timeoutSeconds)
        request.totalTimeoutSeconds = notification.timeoutSeconds
        do {
            let response = try Transfer().perform(request) { _ in }
            guard (200..<300).contains(response.status) else { throw Problem.retry("the SMTP server answered \(response.status)") }
            return response.status
        } catch let problem as Problem {
            throw problem
        } catch let error as TransferError {
            throw .retry("\(error.message) (curl error \(error.curlCode))")
        } catch {
            throw .retry("\(error)")
        }
    }
}
