import CCrypto

/// Lowercase hexadecimal text, as digests are usually shown.
package enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// `bytes` as lowercase hex, two characters per byte.
    package static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var utf8: [UInt8] = []
        utf8.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            utf8.append(digits[Int(byte >> 4)])
            utf8.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: utf8, as: UTF8.self)
    }
}

/// Base64 in the standard alphabet with `=` padding (RFC 4648 §4).
///
/// Written in Swift rather than with `EVP_EncodeBlock`/`EVP_DecodeBlock`
/// because the OpenSSL decoder accepts whitespace and does not report how many
/// padding bytes it dropped, while signature checks want a strict decoder.
/// See https://www.rfc-editor.org/rfc/rfc4648#section-4
package enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let padding = UInt8(ascii: "=")
    private static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, character) in alphabet.enumerated() {
            table[Int(character)] = UInt8(value)
        }
        return table
    }()

    /// `bytes` as padded standard Base64.
    package static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let remaining = bytes.count - index
            let b0 = UInt32(bytes[index])
            let b1 = remaining > 1 ? UInt32(bytes[index + 1]) : 0
            let b2 = remaining > 2 ? UInt32(bytes[index + 2]) : 0
            let group = b0 << 16 | b1 << 8 | b2
            output.append(alphabet[Int(group >> 18 & 0x3F)])
            output.append(alphabet[Int(group >> 12 & 0x3F)])
            output.append(remaining > 1 ? alphabet[Int(group >> 6 & 0x3F)] : padding)
            output.append(remaining > 2 ? alphabet[Int(group & 0x3F)] : padding)
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes encoded by `text`, or `nil` when it is not canonical padded Base64.
    ///
    /// Strict: no whitespace, no line breaks, length a multiple of four, at most
    /// two `=` only at the end, and unused trailing bits zero. A lenient decoder
    /// would let several spellings of one signature compare differently.
    package static func decode(_ text: String) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 4 * 3)
        var index = 0
        while index < input.count {
            let isLast = index + 4 == input.count
            let c2 = input[index + 2], c3 = input[index + 3]
            let padCount = isLast ? (c3 == padding ? (c2 == padding ? 2 : 1) : 0) : 0
            var group: UInt32 = 0
            for offset in 0..<(4 - padCount) {
                let value = reverse[Int(input[index + offset])]
                guard value != 0xFF else { return nil }
                group = group << 6 | UInt32(value)
            }
            group <<= UInt32(6 * padCount)
            output.append(UInt8(group >> 16 & 0xFF))
            if padCount < 2 { output.append(UInt8(group >> 8 & 0xFF)) }
            if padCount < 1 { output.append(UInt8(group & 0xFF)) }
            // Non-canonical: bits that no output byte uses must be zero.
            if padCount == 2, group & 0xFFFF != 0 { return nil }
            if padCount == 1, group & 0xFF != 0 { return nil }
            index += 4
        }
        return output
    }
}

/// Whether `a` and `b` are equal, in time that depends only on their length.
///
/// Use this for MACs and signatures: `==` returns at the first differing byte,
/// which leaks how much of a forged value was right. Lengths are public (a MAC
/// has a fixed length), so a length mismatch returns `false` at once.
/// See https://www.openssl.org/docs/man3.0/man3/CRYPTO_memcmp.html
package func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    guard !a.isEmpty else { return true }
    return a.withUnsafeBytes { left in
        b.withUnsafeBytes { right in
            CRYPTO_memcmp(left.baseAddress, right.baseAddress, left.count) == 0
        }
    }
}

/// The OpenSSL library in use.
package enum OpenSSLLibrary {
    /// The run-time OpenSSL version text, for example `OpenSSL 3.0.19 27 Jan 2026`.
    ///
    /// See https://www.openssl.org/docs/man3.0/man3/OpenSSL_version.html
    package static var version: String {
        String(cString: OpenSSL_version(OPENSSL_VERSION))
    }
}
