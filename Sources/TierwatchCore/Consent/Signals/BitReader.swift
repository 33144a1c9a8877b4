/// Reads big-endian bit fields from the base64url text the IAB formats use.
///
/// TCF and GPP both encode a bit string six bits per base64url character (RFC 4648 §5
/// alphabet). This is not a base64 encoding of bytes: a segment may have any number of
/// characters (including a length of 1 mod 4), and the bits after the last field are
/// filler whatever their number or value (encoders fill to a character, a byte or 24 bits,
/// and some append `=`). So only two things are refused: a character outside the alphabet,
/// and bits that run out before a field the format requires. Trailing `=` is accepted and
/// ignored, as the IAB's reference decoders do.
package struct BitReader {
    private let sextets: [UInt8]
    /// The next bit to read.
    package private(set) var position = 0
    /// What the bits are, for messages ("TC string core segment").
    private let context: String

    package var bitCount: Int { sextets.count * 6 }
    package var remaining: Int { bitCount - position }

    /// Decodes `text` (base64url, any length, trailing `=` ignored) into bits.
    package init(base64url text: Substring, context: String) throws(SignalRejection) {
        self.context = context
        let utf8 = text.utf8
        // `=` only ever ends a segment: one in the middle is an invalid character.
        let end = utf8.lastIndex(where: { $0 != UInt8(ascii: "=") }).map { utf8.index(after: $0) } ?? utf8.startIndex
        let symbols = utf8[utf8.startIndex..<end]
        guard !symbols.isEmpty else {
            throw SignalRejection(.empty, utf8.isEmpty ? "\(context) is empty" : "\(context) is only '=' padding")
        }
        var values: [UInt8] = []
        values.reserveCapacity(symbols.count)
        for (offset, byte) in symbols.enumerated() {
            guard let value = Self.value(of: byte) else {
                throw SignalRejection(
                    .invalidCharacter,
                    "\(context) has \(Self.show(byte)) at character \(offset + 1); expected base64url (A-Z a-z 0-9 - _)")
            }
            values.append(value)
        }
        sextets = values
    }

    private static func value(of byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: nil
        }
    }

    private static func show(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x" + String(byte, radix: 16)
    }

    @inline(__always)
    private func bit(_ index: Int) -> Bool {
        (sextets[index / 6] >> (5 - index % 6)) & 1 == 1
    }

    private func need(_ count: Int, _ field: String) throws(SignalRejection) {
        if count > remaining {
            throw SignalRejection(
                .truncated,
                "\(context) ends at bit \(bitCount) inside \(field) (needs \(count) bits from bit \(position))")
        }
    }

    /// An unsigned integer of `width` bits (at most 63).
    package mutating func int(_ width: Int, _ field: String) throws(SignalRejection) -> Int {
        try need(width, field)
        var value = 0
        for index in position..<(position + width) { value = value << 1 | (bit(index) ? 1 : 0) }
        position += width
        return value
    }

    package mutating func bool(_ field: String) throws(SignalRejection) -> Bool {
        try int(1, field) == 1
    }

    /// A bit field of `count` bits; returns the 1-based ids whose bit is set.
    package mutating func bitField(_ count: Int, _ field: String) throws(SignalRejection) -> [Int] {
        try need(count, field)
        var ids: [Int] = []
        for offset in 0..<count where bit(position + offset) { ids.append(offset + 1) }
        position += count
        return ids
    }

    /// Letters encoded as 6-bit integers, 0 = `A` ... 25 = `Z` (TCF languages and countries).
    package mutating func letters(_ count: Int, _ field: String) throws(SignalRejection) -> String {
        var text = ""
        for _ in 0..<count {
            let value = try int(6, field)
            guard value < 26 else {
                throw SignalRejection(.malformed, "\(context): \(field) has letter value \(value); expected 0-25 (A-Z)")
            }
            text.append(Character(Unicode.Scalar(UInt8(65 + value))))
        }
        return text
    }

    /// A Fibonacci-coded positive integer (GPP): bits weigh 1, 2, 3, 5, 8 ... and "11" ends it.
    package mutating func fibonacci(_ field: String) throws(SignalRejection) -> Int {
        var value = 0
        var previous = false
        var weights = (1, 2)
        var length = 0
        while true {
            try need(1, field)
            let set = bit(position)
            position += 1
            if set && previous { return value }
            if set { value += weights.0 }
            previous = set
            weights = (weights.1, weights.0 + weights.1)
            length += 1
            // 40 bits already exceed every id the formats define; more is noise, not a number.
            if length > 40 { throw SignalRejection(.malformed, "\(context): \(field) is not a Fibonacci code word") }
        }
    }

    /// Ends reading: the bits after the last field are filler and are not judged.
    ///
    /// The TCF and GPP specs define no rule for what follows the last field, and the
    /// reference decoders read past it without looking; refusing it here would call a
    /// signal invalid that the CMP and every other reader accept. Kept as a call (that
    /// may throw, should a format ever define a rule) so each decoder marks where its
    /// fields end.
    package func finish() throws(SignalRejection) {}
}
