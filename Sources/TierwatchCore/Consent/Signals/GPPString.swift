/// A decoded IAB Global Privacy Platform string: the header and the sections Tierwatch reads.
///
/// Bit-exact to the GPP "Consent String Specification": `header~section~section...`; the
/// header is Type 6 (= 3), Version 6 (= 1) and the section ids as a Fibonacci range. Read
/// sections: 2 (`tcfeuv2`, a TC string), 6 (`uspv1`, a US Privacy string) and every IAB US
/// privacy section, 7 (`usnat`) to 27 (`usri`), with their GPC sub-sections (see
/// `USSectionLayout`). Other sections are listed by id and left undecoded.
package struct GPPString: Sendable, Equatable {
    package var version: Int
    package var sectionIDs: [Int]
    package var tcfEU: TCString?
    package var usPrivacy: USPrivacyString?
    /// The US sections, in string order.
    package var usSections: [USSection] = []

    /// The US section with `name` (`usnat`, `usca` ...), when the string carries it.
    package func usSection(_ name: String) -> USSection? { usSections.first { $0.name == name } }

    /// Decodes the header alone: the GPP version and the section ids, in string order.
    ///
    /// A Fibonacci range can name hundreds of millions of ids in a few bytes, so the ids
    /// are counted before they are expanded: more than `maximumSections` is refused (a whole
    /// string passes the number of sections it carries).
    package static func header(_ text: Substring, maximumSections: Int = 1024) throws(SignalRejection) -> (version: Int, sectionIDs: [Int]) {
        var header = try BitReader(base64url: text, context: "GPP header")
        let type = try header.int(6, "Type")
        guard type == 3 else {
            throw SignalRejection(.malformed, "GPP header Type is \(type); a GPP header has Type 3")
        }
        let version = try header.int(6, "Version")
        guard version == 1 else {
            throw SignalRejection(.unsupportedVersion, "GPP header Version is \(version); this decoder reads version 1")
        }
        let count = try header.int(12, "Sections.NumEntries")
        var ids: [Int] = []
        var last = 0
        for entry in 1...max(count, 1) where count > 0 {
            let isRange = try header.bool("Sections entry \(entry) IsRange")
            let start = last + (try header.fibonacci("Sections entry \(entry) start offset"))
            let end = isRange ? start + (try header.fibonacci("Sections entry \(entry) end offset")) : start
            guard end - start < maximumSections - ids.count else {
                throw SignalRejection(
                    .malformed, "the GPP header lists more section ids than the \(maximumSections) section(s) the string can hold (entry \(entry): \(start)-\(end))")
            }
            ids.append(contentsOf: start...end)
            last = end
        }
        try header.finish()
        // No sections (`DBAA`) is what the IAB's encoder writes for an empty model: read as a
        // string that says nothing.
        // Fibonacci offsets are at least 1, so ids only increase; 3 is the header's own id.
        if ids.contains(3) {
            throw SignalRejection(.malformed, "the GPP header lists section id 3, which is the header itself, not a section")
        }
        return (version, ids)
    }

    /// Section ids this decoder reads, with their client-side API prefixes.
    package static let decodedSections: [Int: String] = {
        var names = [2: "tcfeuv2", 6: "uspv1"]
        for layout in USSectionLayout.all { names[layout.id] = layout.name }
        return names
    }()

    /// Names of the sections the GPP section list defines but this decoder leaves undecoded.
    package static let undecodedSections = [1: "tcfeuv1", 4: "signal_integrity", 5: "tcfcav1"]

    package static func decode(_ text: String) throws(SignalRejection) -> GPPString {
        let value = text.trimmingSpaces
        guard !value.isEmpty else { throw SignalRejection(.empty, "the GPP string is empty") }
        let parts = value.split(separator: "~", omittingEmptySubsequences: false)
        // Bounded by the sections present (with room to spare, so that a header listing a few
        // more or fewer than the string carries gets the count message below).
        let (version, ids) = try header(parts[0], maximumSections: parts.count + 64)
        guard parts.count - 1 == ids.count else {
            throw SignalRejection(
                .malformed, "the GPP header lists \(ids.count) section(s) (\(ids.map(String.init).joined(separator: ", "))) but the string has \(parts.count - 1)")
        }
        var result = GPPString(version: version, sectionIDs: ids)
        for (id, section) in zip(ids, parts.dropFirst()) {
            guard !section.isEmpty else { throw SignalRejection(.malformed, "GPP section \(id) is empty") }
            switch id {
            case 2: result.tcfEU = try TCString.decode(String(section))
            case 6: result.usPrivacy = try USPrivacyString.decode(String(section))
            default:
                if let layout = USSectionLayout.layout(id: id) {
                    result.usSections.append(try USSection.decode(section, layout: layout))
                }
            }
        }
        return result
    }
}
