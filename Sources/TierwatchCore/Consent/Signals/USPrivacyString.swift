/// A decoded IAB US Privacy string (`1YNN`), also GPP section 6 (`uspv1`).
///
/// Four characters: the version (`1`), then notice given, opted out of sale, and covered
/// by the LSPA, each `Y`, `N` or `-` (not applicable).
package struct USPrivacyString: Sendable, Equatable {
    package enum Flag: Character, Sendable {
        case yes = "Y", no = "N", notApplicable = "-"

        package var name: String {
            switch self {
            case .yes: "yes"
            case .no: "no"
            case .notApplicable: "not_applicable"
            }
        }
    }

    package var version: Int
    package var explicitNotice: Flag
    package var optOutSale: Flag
    package var lspaCovered: Flag

    package static func decode(_ text: String) throws(SignalRejection) -> USPrivacyString {
        let value = text.trimmingSpaces
        guard !value.isEmpty else { throw SignalRejection(.empty, "the US Privacy string is empty") }
        let characters = Array(value)
        guard characters.count == 4 else {
            throw SignalRejection(.malformed, "the US Privacy string has \(characters.count) characters; expected 4 such as 1YNN")
        }
        guard characters[0] == "1" else {
            throw SignalRejection(.unsupportedVersion, "the US Privacy string has version '\(characters[0])'; this decoder reads version 1")
        }
        var flags: [Flag] = []
        for (offset, character) in characters.dropFirst().enumerated() {
            guard let flag = Flag(rawValue: character) else {
                throw SignalRejection(
                    .invalidCharacter, "the US Privacy string has '\(character)' at character \(offset + 2); expected Y, N or -")
            }
            flags.append(flag)
        }
        return USPrivacyString(version: 1, explicitNotice: flags[0], optOutSale: flags[1], lspaCovered: flags[2])
    }
}

/// The Global Privacy Control flag as a consents export carries it (`Sec-GPC: 1`).
package enum GPCFlag {
    /// `1`/`true` is a GPC signal; `0`/`false` and empty are none. Anything else is rejected.
    package static func decode(_ text: String) throws(SignalRejection) -> Bool {
        switch text.trimmingSpaces.lowercased() {
        case "1", "true": return true
        case "0", "false", "": return false
        default:
            throw SignalRejection(.invalidCharacter, "gpc is \"\(text)\"; expected 1, true, 0 or false")
        }
    }
}
