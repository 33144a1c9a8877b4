import Digests

/// Signing per the Standard Webhooks spec
/// (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md).
///
/// The signed content is `webhook-id.webhook-timestamp.body`; each secret is `whsec_`
/// followed by base64 of the key bytes; `webhook-signature` lists one `v1,<base64 HMAC-SHA256>`
/// per secret, separated by spaces, so receivers keep verifying during a key rotation.
package enum StandardWebhooks {
    package struct SecretError: Error, Sendable {
        package var message: String
    }

    /// The keys in a secret value: one or more space-separated `whsec_...` secrets.
    ///
    /// The error never quotes the value: it is a secret.
    package static func keys(_ value: String) throws(SecretError) -> [[UInt8]] {
        let secrets = value.split(separator: " ").map(String.init)
        guard !secrets.isEmpty else { throw SecretError(message: "is empty") }
        return try secrets.enumerated().map { (index, secret) throws(SecretError) -> [UInt8] in
            // Secrets are often written without base64 padding; the spec's libraries accept that.
            var encoded = String(secret.dropFirst(6))
            while encoded.utf8.count % 4 != 0 { encoded += "=" }
            guard secret.hasPrefix("whsec_"), let key = Base64.decode(encoded), key.count >= 16 else {
                throw SecretError(message: "secret \(index + 1) is not whsec_ followed by base64 of at least 16 bytes")
            }
            return key
        }
    }

    /// The `webhook-signature` header value for `body` sent as `id` at `timestamp` (Unix seconds).
    package static func signature(keys: [[UInt8]], id: String, timestamp: Int64, body: [UInt8]) -> String {
        let content = Array("\(id).\(timestamp).".utf8) + body
        return keys.map { "v1," + Base64.encode(HMACSHA256(key: $0).authenticationCode(for: content)) }.joined(separator: " ")
    }
}
