import Digests
import Testing

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite("SHA-256")
struct SHA256Tests {
    @Test("one-shot hashing matches the NIST vectors", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
    ])
    func nistVectors(message: String, digest: String) {
        #expect(Hex.encode(SHA256.hash(message)) == digest)
        #expect(Hex.encode(SHA256.hash(bytes(message))) == digest)
    }

    @Test("streaming one million 'a' in uneven chunks matches the NIST vector")
    func millionA() {
        let hasher = SHA256Hasher()
        let chunkSizes = [1, 7, 63, 64, 65, 1000, 4093]
        var remaining = 1_000_000
        var index = 0
        while remaining > 0 {
            let size = min(chunkSizes[index % chunkSizes.count], remaining)
            hasher.update([UInt8](repeating: UInt8(ascii: "a"), count: size))
            remaining -= size
            index += 1
        }
        #expect(Hex.encode(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("finalize resets the hasher for a new message")
    func finalizeResets() {
        let hasher = SHA256Hasher()
        hasher.update(bytes("ab"))
        _ = hasher.finalize()
        bytes("abc").withUnsafeBytes { hasher.update($0) }
        #expect(hasher.finalize() == SHA256.hash("abc"))
        #expect(hasher.finalize() == SHA256.hash(""))
    }
}

@Suite("HMAC-SHA256")
struct HMACSHA256Tests {
    static let rfc4231: [(key: [UInt8], message: [UInt8], mac: String)] = [
        (
            [UInt8](repeating: 0x0b, count: 20), bytes("Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        ),
        (
            bytes("Jefe"), bytes("what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        ),
        (
            [UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"
        ),
        (
            Array(1...25), [UInt8](repeating: 0xcd, count: 50),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"
        ),
        (
            [UInt8](repeating: 0xaa, count: 131), bytes("Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        ),
        (
            [UInt8](repeating: 0xaa, count: 131),
            bytes(
                "This is a test using a larger than block-size key and a larger than block-size data. "
                    + "The key needs to be hashed before being used by the HMAC algorithm."
            ),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
        ),
    ]

    @Test("RFC 4231 test cases 1-4, 6 and 7 match", arguments: rfc4231.indices)
    func rfc4231Vectors(index: Int) {
        let vector = Self.rfc4231[index]
        let mac = HMACSHA256(key: vector.key)
        #expect(Hex.encode(mac.authenticationCode(for: vector.message)) == vector.mac)
    }

    @Test("reusing one keyed object many times gives the same codes as fresh objects")
    func reuse() {
        let key = bytes("pseudonymization key")
        let mac = HMACSHA256(key: key)
        for number in 0..<2_000 {
            let message = bytes("customer-\(number)")
            let reused = mac.authenticationCode(for: message)
            if number % 97 == 0 {
                #expect(reused == HMACSHA256(key: key).authenticationCode(for: message))
            }
            #expect(reused.count == 32)
        }
        #expect(mac.authenticationCode(for: bytes("Hi There")) == mac.authenticationCode(for: bytes("Hi There")))
    }

    @Test("an empty key and an empty message are allowed")
    func emptyInputs() {
        // Python: hmac.new(b"", b"", hashlib.sha256).hexdigest()
        #expect(
            Hex.encode(HMACSHA256(key: []).authenticationCode(for: []))
                == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"
        )
    }
}

@Suite("Encodings and comparison")
struct EncodingTests {
    @Test("Base64 matches the RFC 4648 vectors both ways", arguments: [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ])
    func rfc4648(plain: String, encoded: String) {
        #expect(Base64.encode(bytes(plain)) == encoded)
        #expect(Base64.decode(encoded) == bytes(plain))
    }

    @Test("Base64 round-trips every byte value and length")
    func roundTrip() {
        for length in 0..<70 {
            let data = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 37 + 250) }
            #expect(Base64.decode(Base64.encode(data)) == data)
        }
        let all = (0...255).map { UInt8($0) }
        #expect(Base64.decode(Base64.encode(all)) == all)
        #expect(Base64.encode([0xfb, 0xff]) == "+/8=")
    }

    @Test("Base64 decoding rejects malformed and non-canonical text", arguments: [
        "Zg", "Zg=", "Z===", "Zm9v\n", "Zm 9v", "Zh==", "Zm9=", "=Zm9", "Zg==Zg==", "Zm9v-_==", "é===",
    ])
    func rejects(text: String) {
        #expect(Base64.decode(text) == nil)
    }

    @Test("hex is lowercase, two digits per byte")
    func hex() {
        #expect(Hex.encode([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
        #expect(Hex.encode([UInt8]()) == "")
    }

    @Test("constant-time comparison is equality, false on length mismatch", arguments: [
        ([UInt8](), [UInt8](), true),
        ([1, 2, 3], [1, 2, 3], true),
        ([1, 2, 3], [1, 2, 4], false),
        ([1, 2, 3], [1, 2], false),
        ([], [0], false),
    ])
    func constantTime(a: [UInt8], b: [UInt8], equal: Bool) {
        #expect(constantTimeEquals(a, b) == equal)
    }

    @Test("the OpenSSL version names OpenSSL")
    func version() {
        #expect(OpenSSLLibrary.version.hasPrefix("OpenSSL "))
    }
}
