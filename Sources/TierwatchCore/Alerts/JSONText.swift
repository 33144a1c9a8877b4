/// A JSON document built in code, rendered with members in the order given.
///
/// Notifications are written once into the outbox and signed byte for byte, so their
/// bytes must not depend on dictionary order or on an encoder's defaults.
package indirect enum JSONText: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number, already formatted (integers, or `FixedPoint` text).
    case number(String)
    case string(String)
    case array([JSONText])
    case object([(String, JSONText)])

    package static func == (a: Self, b: Self) -> Bool { a.rendered == b.rendered }

    /// Compact JSON text (RFC 8259), non-ASCII left as UTF-8, control characters escaped.
    package var rendered: String {
        var out = ""
        render(into: &out)
        return out
    }

    private func render(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .number(let text): out += text
        case .string(let text): Self.quote(text, into: &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.render(into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out += "," }
                Self.quote(key, into: &out)
                out += ":"
                value.render(into: &out)
            }
            out += "}"
        }
    }

    /// Appends `text` as a JSON string literal (RFC 8259 escapes, plus U+2028/U+2029 so the
    /// text is also safe inside JavaScript).
    package static func quote(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// A string-valued object from sorted labels.
    package static func labels(_ labels: [String: String]) -> JSONText {
        .object(labels.keys.sorted().map { ($0, .string(labels[$0]!)) })
    }
}
