import Digests
import Testing

@Suite("HMAC-SHA256 speed")
struct HMACSpeedTests {
    /// A loose bound (measured: ~0.7 µs per message in debug builds) that still
    /// catches a regression to re-keying or algorithm lookups per message.
    @Test("a keyed object authenticates 20,000 short messages in well under a second")
    func speed() {
        let mac = HMACSHA256(key: Array("key".utf8))
        let message = Array("customer-12345678901".utf8)
        var checksum: UInt8 = 0
        let elapsed = ContinuousClock().measure {
            for _ in 0..<20_000 {
                checksum &+= mac.authenticationCode(for: message)[0]
            }
        }
        #expect(elapsed < .seconds(1))
        #expect(checksum == UInt8(truncatingIfNeeded: 20_000 * Int(mac.authenticationCode(for: message)[0])))
    }
}
