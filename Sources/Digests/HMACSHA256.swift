import CCrypto

/// HMAC-SHA256 with one key, reused for many short messages.
///
/// HMAC is `H((K ^ opad) || H((K ^ ipad) || message))` (RFC 2104). The two
/// key blocks are hashed once in `init`; each message then copies those
/// pre-keyed SHA-256 states (`EVP_MD_CTX_copy_ex`) instead of re-keying, which
/// removes two of the four compression-function calls per message and all
/// algorithm lookups. Used to pseudonymize identifiers row by row, so the
/// per-message cost matters.
///
/// Not thread-safe (the scratch context is reused): use one instance per thread.
/// See https://www.rfc-editor.org/rfc/rfc2104 and
/// https://www.openssl.org/docs/man3.0/man3/EVP_MD_CTX_copy_ex.html
package final class HMACSHA256 {
    private let inner: OpaquePointer
    private let outer: OpaquePointer
    private let scratch: OpaquePointer

    /// Keys the MAC; keys longer than the 64-byte block are hashed first (RFC 2104 §2).
    package init(key: [UInt8]) {
        guard let inner = EVP_MD_CTX_new(), let outer = EVP_MD_CTX_new(), let scratch = EVP_MD_CTX_new() else {
            fatalError("EVP_MD_CTX_new failed: out of memory")
        }
        self.inner = inner
        self.outer = outer
        self.scratch = scratch

        var block = key.count > SHA256Hasher.blockLength ? SHA256.hash(key) : key
        block += [UInt8](repeating: 0, count: SHA256Hasher.blockLength - block.count)
        let innerPad = block.map { $0 ^ 0x36 }
        let outerPad = block.map { $0 ^ 0x5c }
        SHA256Hasher.start(inner)
        innerPad.withUnsafeBytes { SHA256Hasher.absorb(inner, $0) }
        SHA256Hasher.start(outer)
        outerPad.withUnsafeBytes { SHA256Hasher.absorb(outer, $0) }
    }

    deinit {
        EVP_MD_CTX_free(inner)
        EVP_MD_CTX_free(outer)
        EVP_MD_CTX_free(scratch)
    }

    /// The 32-byte authentication code of `message`.
    package func authenticationCode(for message: UnsafeRawBufferPointer) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.codeLength) { buffer, count in
            authenticationCode(for: message, into: buffer.baseAddress!)
            count = Self.codeLength
        }
    }

    /// The length of an authentication code: 32 bytes.
    package static let codeLength = SHA256Hasher.digestLength

    /// Writes the ``codeLength`` bytes of `message`'s authentication code at `code`, with
    /// no allocation (a pseudonym per violation row, millions on a bad week, made an array
    /// each for the inner digest and the code).
    package func authenticationCode(for message: UnsafeRawBufferPointer, into code: UnsafeMutablePointer<UInt8>) {
        copy(inner)
        SHA256Hasher.absorb(scratch, message)
        SHA256Hasher.finish(scratch, into: code)
        copy(outer)
        SHA256Hasher.absorb(scratch, UnsafeRawBufferPointer(start: code, count: Self.codeLength))
        SHA256Hasher.finish(scratch, into: code)
    }

    /// The 32-byte authentication code of `message`.
    package func authenticationCode(for message: [UInt8]) -> [UInt8] {
        message.withUnsafeBytes { authenticationCode(for: $0) }
    }

    private func copy(_ keyed: OpaquePointer) {
        guard EVP_MD_CTX_copy_ex(scratch, keyed) == 1 else {
            fatalError("EVP_MD_CTX_copy_ex failed")
        }
    }
}
