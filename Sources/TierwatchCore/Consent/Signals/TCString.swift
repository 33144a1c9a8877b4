/// A decoded IAB TCF v2 TC string (TCF 2.0 to 2.3, policy versions 2-5).
///
/// Bit-exact to "IAB Tech Lab - Consent string and vendor list formats v2": a core segment
/// and optional disclosed-vendors, allowed-vendors and publisher-TC segments, separated by
/// `.`, each in base64url symbols of six bits (see ``BitReader``: any length, trailing `=`
/// ignored). Anything that is not version 2, ends early or contradicts the spec is
/// rejected; nothing is guessed. ``decode(_:)`` also applies the TCF policy rules a
/// well-formed string can break (``policyViolations``); ``decodeFields(_:)`` does not.
package struct TCString: Sendable, Equatable {
    package var version: Int
    /// Deciseconds since the epoch, as encoded (multiply by 100 for milliseconds).
    package var created: Int64
    package var lastUpdated: Int64
    package var cmpID: Int
    package var cmpVersion: Int
    package var consentScreen: Int
    /// Two letters, ISO 639-1 upper case (`EN`).
    package var consentLanguage: String
    package var vendorListVersion: Int
    package var policyVersion: Int
    package var isServiceSpecific: Bool
    package var useNonStandardTexts: Bool
    /// Ids (1-12) of the special features opted in.
    package var specialFeatureOptIns: [Int]
    /// Ids (1-24) of the purposes with consent.
    package var purposeConsents: [Int]
    /// Ids (1-24) of the purposes whose legitimate interest was disclosed and not objected to.
    package var purposeLegitimateInterests: [Int]
    package var purposeOneTreatment: Bool
    package var publisherCountry: String
    package var vendorConsents: VendorSet
    package var vendorLegitimateInterests: VendorSet
    package var publisherRestrictions: [PublisherRestriction]
    /// Segment type 1.
    package var disclosedVendors: VendorSet?
    /// Segment type 2 (dropped in TCF 2.2, still decoded).
    package var allowedVendors: VendorSet?
    /// Segment type 3.
    package var publisherTC: PublisherTC?

    /// One publisher restriction: a purpose, a restriction type and the vendors it covers.
    package struct PublisherRestriction: Sendable, Equatable {
        package enum Kind: Int, Sendable {
            case notAllowed = 0, requireConsent = 1, requireLegitimateInterest = 2

            package var name: String {
                switch self {
                case .notAllowed: "not_allowed"
                case .requireConsent: "require_consent"
                case .requireLegitimateInterest: "require_legitimate_interest"
                }
            }
        }

        package var purpose: Int
        package var kind: Kind
        package var vendors: [ClosedRange<Int>]
    }

    /// The publisher's own purposes (segment type 3).
    package struct PublisherTC: Sendable, Equatable {
        package var purposeConsents: [Int]
        package var purposeLegitimateInterests: [Int]
        package var customPurposeCount: Int
        package var customPurposeConsents: [Int]
        package var customPurposeLegitimateInterests: [Int]
    }

    /// Decodes a TC string that is valid under its policy version; throws the reason it
    /// cannot be read, or `policy_violation` naming the rule and the bits that break it.
    package static func decode(_ text: String) throws(SignalRejection) -> TCString {
        let tc = try decodeFields(text)
        if let first = tc.policyViolations.first {
            let more = tc.policyViolations.count > 1 ? " (and \(tc.policyViolations.count - 1) more: \(tc.policyViolations.dropFirst().map(\.rule).joined(separator: ", ")))" : ""
            throw SignalRejection(.policyViolation, first.rule + ": " + first.message + more)
        }
        return tc
    }

    /// Decodes the fields of a TC string without judging them against the TCF policy, so
    /// a refused string's fields can still be shown and compared with other decoders.
    package static func decodeFields(_ text: String) throws(SignalRejection) -> TCString {
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty else { throw SignalRejection(.empty, "the TC string is empty") }
        let segments = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        for (index, segment) in segments.enumerated() where segment.isEmpty {
            throw SignalRejection(.malformed, "TC string segment \(index + 1) is empty (stray '.')")
        }
        var core = try BitReader(base64url: segments[0], context: "TC string core segment")
        let version = try core.int(6, "Version")
        guard version == 2 else {
            throw SignalRejection(
                .unsupportedVersion,
                "TC string version is \(version); this decoder reads version 2 (TCF v2.0-2.3)" + (version == 1 ? " (TCF v1 strings are no longer valid)" : ""))
        }
        let created = Int64(try core.int(36, "Created"))
        let lastUpdated = Int64(try core.int(36, "LastUpdated"))
        let cmpID = try core.int(12, "CmpId")
        let cmpVersion = try core.int(12, "CmpVersion")
        let consentScreen = try core.int(6, "ConsentScreen")
        let language = try core.letters(2, "ConsentLanguage")
        let vendorListVersion = try core.int(12, "VendorListVersion")
        let policyVersion = try core.int(6, "TcfPolicyVersion")
        guard (2...5).contains(policyVersion) else {
            throw SignalRejection(
                .unsupportedVersion, "TcfPolicyVersion is \(policyVersion); this decoder reads policy versions 2-5 (TCF 2.0-2.3)")
        }
        let serviceSpecific = try core.bool("IsServiceSpecific")
        let nonStandard = try core.bool("UseNonStandardTexts")
        let specialFeatures = try core.bitField(12, "SpecialFeatureOptIns")
        let purposes = try core.bitField(24, "PurposesConsent")
        let interests = try core.bitField(24, "PurposesLITransparency")
        let purposeOne = try core.bool("PurposeOneTreatment")
        let country = try core.letters(2, "PublisherCC")
        let vendorConsents = try VendorSet.read(&core, "VendorConsents")
        let vendorInterests = try VendorSet.read(&core, "VendorLegitimateInterests")
        let restrictionCount = try core.int(12, "NumPubRestrictions")
        var restrictions: [PublisherRestriction] = []
        for entry in 1...max(restrictionCount, 1) where restrictionCount > 0 {
            let purpose = try core.int(6, "PubRestrictionEntry \(entry) PurposeId")
            let type = try core.int(2, "PubRestrictionEntry \(entry) RestrictionType")
            guard let kind = PublisherRestriction.Kind(rawValue: type) else {
                throw SignalRejection(.malformed, "PubRestrictionEntry \(entry) has RestrictionType 3, which the spec leaves undefined")
            }
            guard purpose >= 1 else {
                throw SignalRejection(.malformed, "PubRestrictionEntry \(entry) has PurposeId 0; purposes start at 1")
            }
            let vendors = try VendorSet.readRanges(&core, "PubRestrictionEntry \(entry)", maxVendorID: nil)
            restrictions.append(PublisherRestriction(purpose: purpose, kind: kind, vendors: vendors))
        }
        try core.finish()

        var result = TCString(
            version: version, created: created, lastUpdated: lastUpdated, cmpID: cmpID, cmpVersion: cmpVersion,
            consentScreen: consentScreen, consentLanguage: language, vendorListVersion: vendorListVersion,
            policyVersion: policyVersion, isServiceSpecific: serviceSpecific, useNonStandardTexts: nonStandard,
            specialFeatureOptIns: specialFeatures, purposeConsents: purposes, purposeLegitimateInterests: interests,
            purposeOneTreatment: purposeOne, publisherCountry: country, vendorConsents: vendorConsents,
            vendorLegitimateInterests: vendorInterests, publisherRestrictions: restrictions)

        for (index, segment) in segments.enumerated().dropFirst() {
            let name = "TC string segment \(index + 1)"
            var reader = try BitReader(base64url: segment, context: name)
            let type = try reader.int(3, "SegmentType")
            switch type {
            case 1, 2:
                let set = try VendorSet.read(&reader, type == 1 ? "DisclosedVendors" : "AllowedVendors")
                if type == 1 {
                    if result.disclosedVendors != nil { throw SignalRejection(.malformed, "\(name) repeats the disclosed-vendors segment") }
                    result.disclosedVendors = set
                } else {
                    if result.allowedVendors != nil { throw SignalRejection(.malformed, "\(name) repeats the allowed-vendors segment") }
                    result.allowedVendors = set
                }
            case 3:
                if result.publisherTC != nil { throw SignalRejection(.malformed, "\(name) repeats the publisher-TC segment") }
                let consents = try reader.bitField(24, "PubPurposesConsent")
                let interests = try reader.bitField(24, "PubPurposesLITransparency")
                let custom = try reader.int(6, "NumCustomPurposes")
                let customConsents = try reader.bitField(custom, "CustomPurposesConsent")
                let customInterests = try reader.bitField(custom, "CustomPurposesLITransparency")
                result.publisherTC = PublisherTC(
                    purposeConsents: consents, purposeLegitimateInterests: interests, customPurposeCount: custom,
                    customPurposeConsents: customConsents, customPurposeLegitimateInterests: customInterests)
            default:
                throw SignalRejection(
                    .malformed,
                    "\(name) has SegmentType \(type); expected 1 (disclosed vendors), 2 (allowed vendors) or 3 (publisher TC)" + (type == 0 ? "; the core segment must come first and only once" : ""))
            }
            try reader.finish()
        }
        return result
    }

    /// The restriction on `purpose` for `vendor`, if the publisher set one.
    package func restriction(purpose: Int, vendor: Int) -> PublisherRestriction.Kind? {
        // Least permissive first, should a publisher list the same vendor twice.
        var found: PublisherRestriction.Kind?
        for entry in publisherRestrictions where entry.purpose == purpose && entry.vendors.contains(where: { $0.contains(vendor) }) {
            if found == nil || entry.kind.rawValue < found!.rawValue { found = entry.kind }
        }
        return found
    }
}

extension String {
    /// Without leading and trailing spaces and tabs (CSV cells may carry them).
    var trimmingSpaces: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = lastIndex(where: { !isSpace($0) })!
        return self[first...last]
    }
}
