import CCrypto

/// A streaming SHA-256 computation over OpenSSL's EVP interface.
///
/// Owns one `EVP_MD_CTX`, freed in `deinit`. Not thread-safe: use one hasher
/// per stream. See https://www.openssl.org/docs/man3.0/man3/EVP_DigestInit.html
package final class SHA256Hasher {
    private let context: OpaquePointer

    /// Creates a hasher ready for ``update(_:)-(UnsafeRawBufferPointer)``.
    ///
    /// OpenSSL only fails here when it cannot allocate or the SHA-256 provider
    /// is missing, which no caller could recover from, so those stop the process.
    package init() {
        guard let context = EVP_MD_CTX_new() else {
            fatalError("EVP_MD_CTX_new failed: out of memory")
        }
        self.context = context
        Self.start(context)
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    /// Adds `bytes` to the message.
    package func update(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        Self.absorb(context, bytes)
    }

    /// Adds `bytes` to the message.
    package func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Returns the 32-byte digest of everything added so far and resets the hasher.
    ///
    /// After this call the hasher starts a new, empty message, so it can be
    /// reused for the next stream.
    package func finalize() -> [UInt8] {
        let digest = Self.finish(context)
        Self.start(context)
        return digest
    }

    // Shared with HMACSHA256, which runs the same steps on its own contexts.

    static let digestLength = 32
    static let blockLength = 64

    static func start(_ context: OpaquePointer) {
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            fatalError("EVP_DigestInit_ex(SHA-256) failed")
        }
    }

    static func absorb(_ context: OpaquePointer, _ bytes: UnsafeRawBufferPointer) {
        guard EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) == 1 else {
            fatalError("EVP_DigestUpdate failed")
        }
    }

    static func finish(_ context: OpaquePointer) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: digestLength) { buffer, count in
            finish(context, into: buffer.baseAddress!)
            count = digestLength
        }
    }

    /// Writes the digest's ``digestLength`` bytes at `digest`.
    static func finish(_ context: OpaquePointer, into digest: UnsafeMutablePointer<UInt8>) {
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, digest, &length) == 1, length == digestLength else {
            fatalError("EVP_DigestFinal_ex failed")
        }
    }
}

/// One-shot SHA-256.
package enum SHA256 {
    /// The 32-byte SHA-256 digest of `bytes`.
    package static func hash(_ bytes: [UInt8]) -> [UInt8] {
        let hasher = SHA256Hasher()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The 32-byte SHA-256 digest of the UTF-8 encoding of `string`.
    package static func hash(_ string: String) -> [UInt8] {
        hash(Array(string.utf8))
    }
}
