import HTTPTransport

/// Sends what the outbox holds: due notifications, or one on demand (`deliver --replay`).
///
/// One attempt is one POST with bounded timeouts; redirects are not followed and count as
/// failures; 2xx is success; 410 disables the receiver (its pending notifications are
/// parked, not dropped); 429 and 503 wait for `Retry-After`; anything else follows
/// ``RetrySchedule``. Every attempt is recorded before the next is considered, so a killed
/// process sends a notification again rather than never.
package struct AlertDelivery {
    package let store: StateStore
    package let context: RunContext

    package init(store: StateStore, context: RunContext) {
        self.store = store
        self.context = context
    }

    /// How one attempt ended.
    package struct Outcome: Sendable {
        package var notification: OutboxRecord
        package var status: String
        package var httpStatus: Int?
        package var error: String
    }

    /// Attempts every notification due at `context.now`; returns the attempts' outcomes.
    package func deliverDue() throws(TierwatchError) -> [Outcome] {
        var outcomes: [Outcome] = []
        for notification in try store.dueNotifications(at: context.now) {
            outcomes.append(try attempt(notification))
        }
        return outcomes
    }

    /// Sends `notification` now, whatever its state (the same `webhook-id`, re-signed).
    package func replay(_ notification: OutboxRecord) throws(TierwatchError) -> Outcome {
        var outcome = try attempt(notification)
        if outcome.status == "delivered" { try store.enableReceiver(jobID: notification.jobID, receiver: notification.receiver) }
        outcome.notification = notification
        return outcome
    }

    private func attempt(_ notification: OutboxRecord) throws(TierwatchError) -> Outcome {
        if notification.kind == .email { return try attemptMail(notification) }
        let number = notification.attempts + 1
        let now = context.now
        var httpStatus: Int?
        var status = "pending"
        var failure = ""
        var next = now
        do throws(DeliveryProblem) {
            let request = try request(for: notification)
            let response: TransferResponse
            do {
                response = try fetch(request).response
            } catch let failure as TransferError {
                // The URL may be a secret (url_env): name the receiver, not the URL.
                throw DeliveryProblem.retry("\(failure.message) (curl error \(failure.curlCode))")
            } catch {
                throw DeliveryProblem.retry("\(error)")
            }
            httpStatus = response.status
            switch response.status {
            case 200..<300:
                status = "delivered"
            case 410:
                status = "disabled"
                failure = "the receiver answered 410 Gone: disabled, pending notifications parked (deliver --replay re-enables it)"
            case 300..<400:
                throw DeliveryProblem.retry("answered \(response.status) (a redirect); redirects are not followed")
            case 429, 503:
                if let wait = response.header("Retry-After").flatMap({ RetrySchedule.retryAfter($0, now: now) }) {
                    guard number < RetrySchedule.maxAttempts else { throw DeliveryProblem.retry("answered \(response.status)") }
                    failure = "answered \(response.status); Retry-After honoured"
                    next = now + wait
                } else {
                    throw DeliveryProblem.retry("answered \(response.status)")
                }
            default:
                throw DeliveryProblem.retry("answered \(response.status)")
            }
        } catch {
            switch error {
            case .retry(let message): (status, failure, next) = Self.afterFailure(message, retry: true, attempt: number, notification, now: now)
            case .permanent(let message): (status, failure, next) = Self.afterFailure(message, retry: false, attempt: number, notification, now: now)
            }
        }
        try store.recordAttempt(
            notification.id, attempt: number, at: now, httpStatus: httpStatus, error: failure, status: status, nextAttemptAt: next)
        if status == "disabled" {
            try store.disableReceiver(jobID: notification.jobID, receiver: notification.receiver, reason: failure, at: now)
        }
        return Outcome(notification: notification, status: status, httpStatus: httpStatus, error: failure)
    }

    /// One SMTP attempt for a mailed report: the same outbox, records and retry schedule as
    /// a webhook; only the transfer differs (see ``MailSender``).
    private func attemptMail(_ notification: OutboxRecord) throws(TierwatchError) -> Outcome {
        let number = notification.attempts + 1
        let now = context.now
        var status = "delivered"
        var failure = ""
        var next = now
        var code: Int?
        do throws(MailSender.Problem) {
            code = try MailSender.send(notification, context: context)
        } catch {
            switch error {
            case .retry(let message): (status, failure, next) = Self.afterFailure(message, retry: true, attempt: number, notification, now: now)
            case .permanent(let message): (status, failure, next) = Self.afterFailure(message, retry: false, attempt: number, notification, now: now)
            }
        }
        try store.recordAttempt(notification.id, attempt: number, at: now, httpStatus: code, error: failure, status: status, nextAttemptAt: next)
        return Outcome(notification: notification, status: status, httpStatus: code, error: failure)
    }

    /// What a failed attempt of either kind leaves: the next try on the Standard Webhooks
    /// schedule, or `failed` once the schedule is spent or when retrying cannot help.
    private static func afterFailure(
        _ message: String, retry: Bool, attempt: Int, _ notification: OutboxRecord, now: Int64
    ) -> (status: String, failure: String, next: Int64) {
        guard retry else { return ("failed", message, now) }
        guard let delay = RetrySchedule.delay(afterAttempt: attempt, webhookID: notification.webhookID) else {
            return ("failed", message + "; gave up after \(attempt) attempts", now)
        }
        return ("pending", message, now + delay)
    }

    private enum DeliveryProblem: Error {
        /// Worth trying again on the schedule (the receiver or the network may recover).
        case retry(String)
        /// Retrying cannot help (a URL the rules forbid).
        case permanent(String)
    }

    /// The request for one attempt: URL and secrets read from the environment now, the
    /// signature made now (a fresh `webhook-timestamp` on every attempt).
    private func request(for notification: OutboxRecord) throws(DeliveryProblem) -> TransferRequest {
        let url: String
        if let literal = notification.url {
            url = literal
        } else if let name = notification.urlEnvironment {
            guard let value = context.environment[name], !value.isEmpty else {
                throw .retry("the environment variable \(name) (the receiver's URL) is not set")
            }
            url = value
        } else {
            throw .permanent("the receiver has no URL")
        }
        if let problem = ReceiverURL.problem(url, allowInsecure: notification.allowInsecure) {
            throw .permanent("its URL is refused: \(problem)")
        }
        var body = notification.body
        var headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json"), ("User-Agent", "tierwatch/\(context.toolVersion)"),
        ]
        func secret() throws(DeliveryProblem) -> String {
            guard let name = notification.secretEnvironment else { throw .permanent("the receiver names no secret_env") }
            guard let value = context.environment[name], !value.isEmpty else {
                throw .retry("the environment variable \(name) is not set")
            }
            return value
        }
        switch notification.kind {
        case .webhook:
            let name = notification.secretEnvironment ?? ""
            let value = try secret()
            let keys: [[UInt8]]
            do throws(StandardWebhooks.SecretError) {
                keys = try StandardWebhooks.keys(value)
            } catch {
                throw .retry("the environment variable \(name) \(error.message)")
            }
            let timestamp = context.attemptTime() / 1000
            headers += [
                ("webhook-id", notification.webhookID), ("webhook-timestamp", String(timestamp)),
                ("webhook-signature", StandardWebhooks.signature(keys: keys, id: notification.webhookID, timestamp: timestamp, body: Array(body.utf8))),
            ]
        case .pagerduty:
            body = PagerDutyFormat.withRoutingKey(body, key: try secret())
        case .slack, .teams, .alertmanager, .email:
            // Not signed by their formats; the id still lets a receiver deduplicate.
            headers.append(("webhook-id", notification.webhookID))
        }
        var request = TransferRequest(url: url, headers: headers)
        request.body = Array(body.utf8)
        request.method = "POST"
        request.connectTimeoutSeconds = min(10, notification.timeoutSeconds)
        request.totalTimeoutSeconds = notification.timeoutSeconds
        return request
    }
}
