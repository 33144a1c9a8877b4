/// A decoded IAB Global Privacy Platform string: the header and the sections Tierwatch reads.
///
/// Bit-exact to the GPP "Consent String Specification": `header~section~section...`; the
/// header is Type 6 (= 3), Version 6 (= 1) and the section ids as a Fibonacci range. Read
/// sections: 2 (`tcfeuv2`, a TC string), 6 (`uspv1`, a US Privacy string) and 7 (`usnat`,
/// with its GPC sub-section). Other sections are listed by id and left undecoded.
package struct GPPString: Sendable, Equatable {
    package var version: Int
    package var sectionIDs: [Int]
    package var tcfEU: TCString?
    package var usPrivacy: USPrivacyString?
    package var usNational: USNational?

    /// Decodes the header alone: the GPP version and the section ids, in string order.
    package static func header(_ text: Substring) throws(SignalRejection) -> (version: Int, sectionIDs: [Int]) {
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
            ids.append(contentsOf: start...end)
            last = end
        }
        try header.finish()
        guard !ids.isEmpty else { throw SignalRejection(.malformed, "the GPP header lists no sections") }
        return (version, ids)
    }

    /// Section ids this decoder reads.
    package static let decodedSections = [2: "tcfeuv2", 6: "uspv1", 7: "usnat"]

    package static func decode(_ text: String) throws(SignalRejection) -> GPPString {
        let value = text.trimmingSpaces
        guard !value.isEmpty else { throw SignalRejection(.empty, "the GPP string is empty") }
        let parts = value.split(separator: "~", omittingEmptySubsequences: false)
        let (version, ids) = try header(parts[0])
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
            case 7: result.usNational = try USNational.decode(section)
            default: break
            }
        }
        return result
    }
}

/// GPP section 7 (`usnat`): the IAB Privacy US National Privacy section, versions 1 and 2.
package struct USNational: Sendable, Equatable {
    package var version: Int
    package var sharingNotice: Int
    package var saleOptOutNotice: Int
    package var sharingOptOutNotice: Int
    package var targetedAdvertisingOptOutNotice: Int
    package var sensitiveDataProcessingOptOutNotice: Int
    package var sensitiveDataLimitUseNotice: Int
    /// 0 not applicable, 1 opted out, 2 did not opt out.
    package var saleOptOut: Int
    package var sharingOptOut: Int
    package var targetedAdvertisingOptOut: Int
    /// Per data category (12 in version 1, 16 in version 2): 0 n/a, 1 no consent, 2 consent.
    package var sensitiveDataProcessing: [Int]
    /// 2 in version 1, 3 in version 2: 0 n/a, 1 no consent, 2 consent.
    package var knownChildSensitiveDataConsents: [Int]
    package var personalDataConsents: Int
    package var mspaCoveredTransaction: Int
    package var mspaOptOutOptionMode: Int
    package var mspaServiceProviderMode: Int
    /// The GPC sub-section's flag, when the sub-section is present.
    package var gpc: Bool?

    /// The field names in encoding order, for `consent decode`.
    package static let sensitiveCategoryNames = [
        "racial_or_ethnic_origin", "religious_or_philosophical_beliefs", "health", "sex_life_or_sexual_orientation",
        "citizenship_or_immigration_status", "genetic", "biometric", "precise_geolocation", "government_id",
        "financial_account", "union_membership", "communications_contents",
        // Version 2 adds these four.
        "consumer_health_data", "crime_victim_status", "national_origin", "transgender_or_nonbinary_status",
    ]

    static func decode(_ text: Substring) throws(SignalRejection) -> USNational {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        var core = try BitReader(base64url: parts[0], context: "GPP usnat core")
        let version = try core.int(6, "Version")
        guard version == 1 || version == 2 else {
            throw SignalRejection(.unsupportedVersion, "usnat Version is \(version); this decoder reads versions 1 and 2")
        }
        func field(_ name: String, allowZero: Bool = true) throws(SignalRejection) -> Int {
            let value = try core.int(2, name)
            if value == 3 || (value == 0 && !allowZero) {
                throw SignalRejection(.malformed, "usnat \(name) is \(value), which the spec does not define")
            }
            return value
        }
        var result = USNational(
            version: version, sharingNotice: try field("SharingNotice"), saleOptOutNotice: try field("SaleOptOutNotice"),
            sharingOptOutNotice: try field("SharingOptOutNotice"),
            targetedAdvertisingOptOutNotice: try field("TargetedAdvertisingOptOutNotice"),
            sensitiveDataProcessingOptOutNotice: try field("SensitiveDataProcessingOptOutNotice"),
            sensitiveDataLimitUseNotice: try field("SensitiveDataLimitUseNotice"), saleOptOut: try field("SaleOptOut"),
            sharingOptOut: try field("SharingOptOut"), targetedAdvertisingOptOut: try field("TargetedAdvertisingOptOut"),
            sensitiveDataProcessing: [], knownChildSensitiveDataConsents: [], personalDataConsents: 0,
            mspaCoveredTransaction: 0, mspaOptOutOptionMode: 0, mspaServiceProviderMode: 0)
        for index in 1...(version == 1 ? 12 : 16) {
            result.sensitiveDataProcessing.append(try field("SensitiveDataProcessing[\(index)]"))
        }
        for index in 1...(version == 1 ? 2 : 3) {
            result.knownChildSensitiveDataConsents.append(try field("KnownChildSensitiveDataConsents[\(index)]"))
        }
        result.personalDataConsents = try field("PersonalDataConsents")
        result.mspaCoveredTransaction = try field("MspaCoveredTransaction", allowZero: false)
        result.mspaOptOutOptionMode = try field("MspaOptOutOptionMode")
        result.mspaServiceProviderMode = try field("MspaServiceProviderMode")
        try core.finish()
        for (index, part) in parts.enumerated().dropFirst() {
            var reader = try BitReader(base64url: part, context: "GPP usnat sub-section \(index)")
            let type = try reader.int(2, "SubsectionType")
            guard type == 1 else {
                throw SignalRejection(.malformed, "usnat sub-section \(index) has SubsectionType \(type); expected 1 (GPC)")
            }
            guard result.gpc == nil else { throw SignalRejection(.malformed, "usnat repeats its GPC sub-section") }
            result.gpc = try reader.bool("Gpc")
            try reader.finish()
        }
        return result
    }
}
